import { compareInventories, Inventory } from './embedded-upgrade';

const before: Inventory = {
  tables: { 'public.users': { rows: 3, sum: 'a' }, 'public.audit_log': { rows: 9, sum: 'b' } },
  sequences: { 'public.users_id_seq': '3', 'public.audit_log_id_seq': '9' },
  definitions: ['trigger audit_log audit_log_append_only f() 27 O', 'extension pg_trgm'],
};
const copy = (): Inventory => JSON.parse(JSON.stringify(before)) as Inventory;

describe('comparing a data folder before and after embedded-upgrade', () => {
  it('finds nothing when every table, sequence and definition came along', () => {
    expect(compareInventories(before, copy())).toEqual([]);
  });

  it('names a table with rows missing, changed rows, and a table missing', () => {
    const after = copy();
    after.tables['public.users'].rows = 2;
    after.tables['public.audit_log'].sum = 'c';
    expect(compareInventories(before, after)).toEqual([
      'table public.users: 3 rows before, 2 after',
      'table public.audit_log: same row count, different contents',
    ]);
    delete after.tables['public.users'];
    expect(compareInventories(before, after)[0]).toBe('table public.users: missing after');
  });

  it('names a sequence that would hand out ids again, and a trigger that did not come along', () => {
    const after = copy();
    after.sequences['public.audit_log_id_seq'] = '1';
    after.definitions = ['extension pg_trgm'];
    expect(compareInventories(before, after)).toEqual([
      'sequence public.audit_log_id_seq: 9 before, 1 after',
      'missing after: trigger audit_log audit_log_append_only f() 27 O',
    ]);
  });
});
