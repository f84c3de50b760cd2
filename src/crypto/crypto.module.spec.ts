import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allConfigs } from '../config/config';
import { CryptoModule } from './crypto.module';
import { SecretBox } from './secret-box';

const opened: { close: () => Promise<void> }[] = [];

async function boxFor(env: Record<string, string>): Promise<SecretBox> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs }),
        CryptoModule,
      ],
    }).compile();
    opened.push(moduleRef);
    return moduleRef.get(SecretBox);
  } finally {
    process.env = saved;
  }
}

describe('CryptoModule', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crypto-'))));
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((m) => m.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes a development key once under DATA_DIR, readable only by its owner, and keeps it', async () => {
    const first = await boxFor({ DATA_DIR: dir, ENCRYPTION_KEY: '' });
    const file = join(dir, 'encryption.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = first.seal('secret');
    const second = await boxFor({ DATA_DIR: dir, ENCRYPTION_KEY: '' });
    expect(second.open(sealed)).toBe('secret');
    expect(readFileSync(file, 'utf8').trim()).toHaveLength(44);
  });

  it('uses ENCRYPTION_KEY when set and writes no key file', async () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    const box = await boxFor({ DATA_DIR: dir, ENCRYPTION_KEY: key });
    expect(() => statSync(join(dir, 'encryption.key'))).toThrow();
    const other = await boxFor({ DATA_DIR: mkdtempSync(join(dir, 'x')), ENCRYPTION_KEY: key });
    expect(other.open(box.seal('secret'))).toBe('secret');
  });
});
