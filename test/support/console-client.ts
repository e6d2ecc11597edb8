// A console user as the tests drive one: through fetch (for refusals and
// headers), or through the real lynx, either dumping a page with a session
// cookie or playing keystrokes under a pseudo-terminal as a person would.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ConsoleLogin {
  /** The session cookie's value. */
  session: string;
  /** The session's CSRF token, as every form carries it. */
  csrf: string;
}

/** The value a Set-Cookie list gives `name`, '' when it clears it, undefined when it does not set it. */
export function cookieSet(response: Response, name: string): string | undefined {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    if (pair!.startsWith(`${name}=`)) return pair!.slice(name.length + 1);
  }
  return undefined;
}

export function csrfIn(html: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no csrf field in the page:\n${html.slice(0, 500)}`);
  return token;
}

/** Posts the login form as a browser would (the form's own cookie and field); returns the raw answer. */
export async function postLogin(url: string, user: string, password: string, extraCookie = ''): Promise<Response> {
  const form = await fetch(`${url}/login`);
  const loginCookie = cookieSet(form, 'dploy_login')!;
  const csrf = csrfIn(await form.text());
  return fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `dploy_login=${loginCookie}${extraCookie ? `; ${extraCookie}` : ''}` },
    body: new URLSearchParams({ csrf, user, password }).toString(),
  });
}

export async function login(url: string, user: string, password: string): Promise<ConsoleLogin> {
  const answer = await postLogin(url, user, password);
  const session = cookieSet(answer, 'dploy_session');
  if (answer.status !== 303 || !session) throw new Error(`login of ${user} answered ${answer.status}: ${await answer.text()}`);
  const home = await fetch(`${url}/`, { headers: { cookie: `dploy_session=${session}` } });
  return { session, csrf: csrfIn(await home.text()) };
}

export function getPage(url: string, who: ConsoleLogin): Promise<Response> {
  return fetch(url, { redirect: 'manual', headers: { cookie: `dploy_session=${who.session}` } });
}

export function postForm(url: string, who: ConsoleLogin | undefined, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(who ? { cookie: `dploy_session=${who.session}` } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
}

/** `lynx -dump` of a page, logged in as `who` through a Netscape cookie file; `links`: with lynx's list of link targets. */
export async function lynxDump(url: string, who?: ConsoleLogin, options: { links?: boolean } = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-lynx-'));
  try {
    const jar = join(dir, 'cookies');
    const host = new URL(url).hostname;
    // lynx reads a cookie file only with PERSISTENT_COOKIES on, and only cookies with an expiry in the future.
    writeFileSync(join(dir, 'lynx.cfg'), 'INCLUDE:/etc/lynx/lynx.cfg\nPERSISTENT_COOKIES:TRUE\n');
    writeFileSync(jar, who ? `${host}\tFALSE\t/\tFALSE\t4102444800\tdploy_session\t${who.session}\n` : '');
    const args = ['-dump', ...(options.links ? [] : ['-nolist']), '-width=200', `-cfg=${join(dir, 'lynx.cfg')}`, `-cookie_file=${jar}`, url];
    const { stdout } = await run('lynx', args, {
      env: { ...process.env, HOME: dir, TERM: 'dumb' },
      timeout: 20_000,
    });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Keystrokes for lynx's -cmd_script: text typed character by character, and named keys. */
const type = (text: string) => [...text].map((c) => `key ${c}`);
const down = (times = 1) => Array.from({ length: times }, () => 'key Down Arrow');
const enter = () => ['key ^J'];
export const keys = {
  type,
  down,
  enter,
  quit: () => ['key q', 'key y'],
  /** The login form: user name, password, then its button. */
  login: (user: string, password: string) => [...type(user), ...down(), ...type(password), ...down(), ...enter()],
};

/**
 * Runs lynx on `url` under a pseudo-terminal (util-linux `script`), fed the
 * keystrokes; returns what it showed, terminal codes removed.
 */
export async function lynxSession(url: string, keystrokes: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dploy-lynx-'));
  try {
    const script = join(dir, 'keys');
    writeFileSync(script, [...keystrokes, ...keys.quit()].join('\n') + '\n');
    // A script that leaves lynx waiting (a key landed in a text field) is killed; what it showed is still the answer.
    const stdout = await new Promise<string>((resolve) =>
      execFile(
        'script',
        // A tall terminal: the whole page on one screen, so the keys move between links, not pages.
        ['-qec', `stty rows 200 cols 160; lynx -nopause -accept_all_cookies -cmd_script=${script} ${url}`, '/dev/null'],
        { env: { ...process.env, HOME: dir, TERM: 'vt100' }, timeout: 20_000 },
        (_err, out) => resolve(String(out)),
      ),
    );
    // eslint-disable-next-line no-control-regex
    return stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]/g, '').replace(/\r/g, '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
