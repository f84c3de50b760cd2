// The user's sessions: where and when, ending one, ending all but this one.
import { api } from './api.js';
import { fill, h } from './dom.js';
import { errorText, section } from './forms.js';
import { t } from './i18n.js';
import { table, when } from './view.js';

export async function sessionsPage(ctx) {
  ctx.setTitle(t('sessions.title'));
  const { sessions } = await api('GET', '/sessions');
  const error = h('p', { role: 'alert', class: 'error', hidden: true });
  const act = async (work, message) => {
    error.hidden = true;
    try {
      await work();
      // The page drawn again has a context of its own (this one is stale from then on).
      const shown = await ctx.rerender();
      shown?.main.querySelector('h1')?.after(h('p', { role: 'status', class: 'flash' }, message));
    } catch (e) {
      if (e.sessionLost) return;
      error.textContent = errorText(e);
      error.hidden = false;
    }
  };
  const end = (s) =>
    act(() => api('DELETE', `/sessions/${encodeURIComponent(s.id)}`), t('sessions.ended'));
  const others = sessions.filter((s) => !s.current);
  const endOthers = () =>
    act(async () => {
      for (const s of others) await api('DELETE', `/sessions/${encodeURIComponent(s.id)}`);
    }, t('sessions.othersEnded'));
  const list = table(
    t('sessions.caption'),
    [
      [
        t('sessions.device'),
        (s) => [
          s.user_agent || '—',
          s.current ? h('span', { class: 'badge' }, t('sessions.current')) : null,
        ],
      ],
      [t('sessions.ip'), (s) => s.ip ?? '—'],
      [t('sessions.started'), (s) => when(s.created_at)],
      [t('sessions.lastSeen'), (s) => when(s.last_seen_at)],
      [t('sessions.expires'), (s) => when(s.expires_at)],
      [
        t('sessions.action'),
        (s) =>
          s.current
            ? '—'
            : h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'aria-label': t('sessions.endOne', { device: s.user_agent || s.ip || s.id }),
                  onclick: () => end(s),
                },
                t('sessions.end'),
              ),
      ],
    ],
    sessions,
  );
  fill(
    ctx.main,
    h('h1', {}, t('sessions.title')),
    error,
    list,
    section(
      t('sessions.othersTitle'),
      h('p', { class: 'hint' }, t('sessions.othersIntro')),
      h(
        'button',
        { type: 'button', class: 'danger', disabled: !others.length, onclick: endOthers },
        t('sessions.endOthers'),
      ),
    ),
  );
}
