import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NGINX = '/usr/sbin/nginx';

/**
 * A real nginx (Debian's nginx-light) on a loopback port, in the foreground, with every path in a
 * temporary folder. `http` is the body of its `http {}` block.
 */
export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly log: () => string,
  ) {}

  static async start(port: number, http: string): Promise<Nginx> {
    const dir = mkdtempSync(join(tmpdir(), 'nginx-test-'));
    const conf = `
      daemon off;
      master_process off;
      pid ${dir}/nginx.pid;
      error_log ${dir}/error.log warn;
      events { worker_connections 256; }
      http {
        access_log off;
        client_body_temp_path ${dir}/body;
        proxy_temp_path ${dir}/proxy;
        fastcgi_temp_path ${dir}/fastcgi;
        uwsgi_temp_path ${dir}/uwsgi;
        scgi_temp_path ${dir}/scgi;
        ${http}
      }`;
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const nginx = new Nginx(child, dir, () => out);
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`nginx did not start: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return nginx;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await new Promise((r) => {
        this.child.once('exit', r);
        this.child.kill('SIGTERM');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
