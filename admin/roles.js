// The API's role rules (src/users/role-rules.ts), so the console offers no action the signed-in
// role may not take. The API enforces them anyway; this only keeps forbidden buttons away.

/** Only a root updates or blocks an admin or a root. */
export function mayManage(actor, target) {
  return actor.role === 'root' || target.role === 'user';
}

/** Only a root creates, promotes to or demotes from admin and root. */
export function grantableRoles(actor) {
  return actor.role === 'root' ? ['user', 'admin', 'root'] : ['user'];
}

/** Nobody blocks themselves (409 cannot_block_self). */
export function mayBlock(actor, target) {
  return mayManage(actor, target) && String(actor.id) !== String(target.id);
}
