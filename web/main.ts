import { Api, ApiError } from './api.js';
import { figureView, type FigureRoute } from './detail.js';
import { h, show } from './dom.js';
import { storedKey, storeKey } from './key.js';
import { overview } from './overview.js';
import { FIGURES, type Figure, type Kind } from './types.js';

/**
 * The page: the totals, handovers by month and the ledger's head (overview), and for any figure
 * the exchanges, stages and sources behind it (#/figure?…). Everything is read from the API in
 * the browser; with a key when the service asks for one.
 */
const app = document.getElementById('app')!;
const access = document.getElementById('access')!;

let key = storedKey();
const api = new Api(() => key);

function renderAccess(state: 'key' | 'open' | 'needed'): void {
  if (state === 'key') {
    show(
      access,
      h('span', { class: 'access-state' }, 'Reading with your API key'),
      ' ',
      h(
        'button',
        {
          type: 'button',
          class: 'link-button',
          id: 'forget-key',
          onclick: () => {
            key = null;
            storeKey(null);
            void route();
          },
        },
        'Forget key',
      ),
    );
  } else if (state === 'open') {
    show(access, h('span', { class: 'access-state access-open' }, 'Development mode: no key needed'));
  } else {
    show(access, h('span', { class: 'access-state access-needed' }, 'API key needed'));
  }
}

function keyForm(message: string): void {
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'lgr_…',
  });
  const form = h(
    'form',
    {
      class: 'key-form',
      onsubmit: (event) => {
        event.preventDefault();
        const value = input.value.trim();
        if (value === '') return;
        key = value;
        storeKey(value);
        void route();
      },
    },
    h('label', { for: 'api-key' }, 'API key'),
    h('div', { class: 'key-row' }, input, h('button', { type: 'submit' }, 'Read the ledger')),
  );
  show(
    app,
    h(
      'section',
      { class: 'panel key-panel' },
      h('h2', {}, 'An API key is needed'),
      h('p', {}, message),
      form,
      h(
        'p',
        { class: 'muted' },
        'The key stays in this browser tab (sessionStorage, gone when the tab is closed) and is sent only to ' +
          'this service, as Authorization: Bearer. A key with the reader role is enough.',
      ),
    ),
  );
  renderAccess('needed');
  app.setAttribute('aria-busy', 'false');
  input.focus();
}

function parseRoute(): FigureRoute | null {
  const hash = location.hash.replace(/^#/, '');
  if (!hash.startsWith('/figure?')) return null;
  const q = new URLSearchParams(hash.slice('/figure?'.length));
  const figure = q.get('figure') as Figure;
  const party = q.get('party');
  const kind = q.get('kind') as Kind | null;
  const month = q.get('month');
  if (!party || !kind || !FIGURES.includes(figure) || (month !== null && !/^\d{4}-\d{2}$/.test(month))) return null;
  return { party, kind, figure, ...(month !== null && { month }) };
}

let generation = 0;

async function route(): Promise<void> {
  const mine = ++generation;
  app.setAttribute('aria-busy', 'true');
  show(app, h('p', { class: 'loading' }, 'Reading the ledger…'));
  const figure = parseRoute();
  try {
    // A view started later replaces this one: a slow answer must not draw over it.
    const stillCurrent = () => mine === generation;
    if (figure) await figureView(app, api, figure, stillCurrent);
    else await overview(app, api, stillCurrent);
    if (!stillCurrent()) return;
    renderAccess(key === null ? 'open' : 'key');
    app.setAttribute('aria-busy', 'false');
    if (figure) window.scrollTo(0, 0);
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof ApiError && error.status === 401) {
      const hadKey = key !== null;
      key = null;
      storeKey(null);
      keyForm(
        hadKey
          ? `The service refused the key: ${error.detail}.`
          : 'This service requires an API key to read the ledger.',
      );
      return;
    }
    const text =
      error instanceof ApiError
        ? error.status === 429
          ? `The service asks to slow down (rate limit)${error.retryAfter ? `: retry in ${error.retryAfter} s` : ''}.`
          : `The service answered ${error.status}: ${error.detail}`
        : `The ledger could not be read: ${error instanceof Error ? error.message : String(error)}`;
    show(
      app,
      h(
        'section',
        { class: 'panel notice notice-error', role: 'alert' },
        h('p', {}, text),
        h('button', { type: 'button', onclick: () => void route() }, 'Try again'),
      ),
    );
    app.setAttribute('aria-busy', 'false');
  }
}

window.addEventListener('hashchange', () => void route());
void route();
