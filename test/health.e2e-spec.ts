import { setTimeout as sleep } from 'node:timers/promises';
import { AuditChainMonitor } from '../src/audit/audit-chain-monitor';
import { SmtpSink } from './support/smtp-sink';
import { eventually } from './support/eventually';
import { TcpProxy } from './support/tcp-proxy';
import { startApp, TestDatabase } from './support/test-app';

const onPostgres = !!process.env.DATABASE_URL;

describe('health probes', () => {
  it('answers /health/ready with the database and migrations, and /health/live', async () => {
    const t = await startApp();
    try {
      const ready = await t.http.get('/health/ready').expect(200);
      expect(ready.body).toEqual({
        status: 'ok',
        database: 'up',
        migrations: 'current',
        audit_chain: 'ok',
      });
      expect(ready.headers['cache-control']).toBe('no-store');
      await t.http.get('/health/live').expect(200, { status: 'ok' });
    } finally {
      await t.destroy();
    }
  });

  it('is not ready while migrations are pending, and ready once they ran', async () => {
    const t = await startApp({ MIGRATIONS_RUN: 'false' });
    try {
      const res = await t.http.get('/health/ready').expect(503);
      // The chain could not be checked at start (no tables yet).
      expect(res.body).toEqual({
        status: 'error',
        database: 'up',
        migrations: 'pending',
        audit_chain: 'unknown',
      });
      await t.db.runMigrations({ transaction: 'each' });
      await t.http.get('/health/ready').expect(200);
    } finally {
      await t.destroy();
    }
  });

  it('stays live without a database call when the database is gone', async () => {
    const t = await startApp();
    try {
      await t.db.destroy();
      await t.http.get('/health/live').expect(200);
      const res = await t.http.get('/health/ready').expect(503);
      expect(res.body).toMatchObject({ status: 'error', database: 'down' });
    } finally {
      await t.destroy().catch(() => undefined); // closing a destroyed data source may complain
    }
  });

  it('turns ready 503 at shutdown while it still serves requests, then closes', async () => {
    const t = await startApp({ SHUTDOWN_DELAY: '3s' });
    try {
      await t.app.listen(0, '127.0.0.1');
      const base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const closing = t.close();
      const during = await eventually(async () => {
        const res = await fetch(`${base}/health/ready`);
        return res.status === 503 ? res : undefined;
      }, 'ready to turn 503');
      expect(await during.json()).toMatchObject({ status: 'shutting_down', database: 'up' });
      // Still serving everything else: the instance drains, it does not drop requests.
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      await closing;
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    } finally {
      await t.destroy();
    }
  });

  it('closes promptly with its jobs running, after the run in flight has finished', async () => {
    const t = await startApp({ AUDIT_CHAIN_CHECK_INTERVAL: '1s' });
    try {
      const monitor = t.app.get(AuditChainMonitor);
      const check = monitor.checkNow.bind(monitor);
      const runs = { started: 0, finished: 0 };
      // A slow check, so that close() arrives while one is under way.
      jest.spyOn(monitor, 'checkNow').mockImplementation(async () => {
        runs.started++;
        await sleep(1000);
        const result = await check();
        runs.finished++;
        return result;
      });
      await eventually(async () => runs.started > 0 || undefined, 'a scheduled chain check');
      const began = Date.now();
      await t.close();
      expect(Date.now() - began).toBeLessThan(5000);
      // The check ran to its end on an open database, and none started after.
      expect(runs).toEqual({ started: 1, finished: 1 });
      expect(monitor.status.state).toBe('ok');
      await sleep(1500);
      expect(runs.started).toBe(1);
    } finally {
      await t.destroy();
    }
  });

  (onPostgres ? it : it.skip)(
    'flips ready to 503 while PostgreSQL is unreachable and back, without a restart',
    async () => {
      const database = await TestDatabase.create();
      const mail = await new SmtpSink().start();
      const url = new URL(database.env.DATABASE_URL);
      const proxy = await new TcpProxy(url.hostname, Number(url.port || 5432)).start();
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      const t = await startApp({ DATABASE_URL: url.toString() }, { database, mail });
      try {
        await t.http.get('/health/ready').expect(200);
        proxy.cut();
        const down = await eventually(async () => {
          const res = await t.http.get('/health/ready');
          return res.status === 503 ? res : undefined;
        }, 'ready to turn 503');
        expect(down.body).toMatchObject({ status: 'error', database: 'down' });
        await t.http.get('/health').expect(503);
        await t.http.get('/health/live').expect(200);
        proxy.restore();
        const up = await eventually(async () => {
          const res = await t.http.get('/health/ready');
          return res.status === 200 ? res : undefined;
        }, 'ready to come back');
        expect(up.body).toEqual({
          status: 'ok',
          database: 'up',
          migrations: 'current',
          audit_chain: 'ok',
        });
      } finally {
        await t.close();
        await proxy.stop();
        await mail.stop();
        await database.drop();
      }
    },
  );
});
