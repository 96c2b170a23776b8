/**
 * Follows a dashboard login link or a manage link as a browser does since they stopped logging in on
 * a GET: opens the confirm page, then presses its button (a POST with the page's form token and
 * nonce cookie). Returns the POST's answer (303 with the session cookie), or the GET's answer when
 * there was no confirm page (an invalid link).
 */
export async function followLoginLink(base: string, pathAndQuery: string, headers: Record<string, string> = {}) {
  const page = await fetch(base + pathAndQuery, { redirect: 'manual', headers });
  if (page.status !== 200) return page;
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no confirm form at ${pathAndQuery}`);
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
  );
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  return fetch(base + action, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...headers, cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}
