import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Federation, startFederation } from '../../src/cli/federation.ts';
import { loadPlatformConfig } from '../../src/cli/platform-config.ts';
import { launchBrowser } from './browser.ts';

const SCREENSHOTS = path.resolve('docs/screenshots');

describe('console start page in a real browser', () => {
  let federation: Federation;
  let browser: Browser;

  beforeAll(async () => {
    const config = loadPlatformConfig(
      { ephemeral: true, dataDir: mkdtempSync(path.join(tmpdir(), 'lt-e2e-')), logLevel: 'warn' },
      { 'console.port': 0, 'registry.port': 0, 'gateways.basePort': 0, 'database.url': undefined },
    );
    federation = await startFederation(config);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await federation?.close();
  });

  it('shows the federation in Vietnamese, links each component, and reports health', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.goto(federation.consoleUrl);
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Liên Thông');
    const registryLink = page.getByRole('link', { name: /Nền tảng trung tâm/ });
    expect(await registryLink.getAttribute('href')).toBe(federation.registry.registry.url);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-start.png') });

    await page.getByRole('link', { name: '/healthz' }).click();
    const health = JSON.parse((await page.locator('body').textContent()) ?? '{}') as {
      status: string;
      components: { name: string; state: string }[];
    };
    expect(health.status).toBe('ok');
    expect(health.components[0]).toMatchObject({ name: 'registry', state: 'up' });
    expect(health.components.filter((c) => c.name.startsWith('gateway ')).length).toBeGreaterThanOrEqual(5);
    expect(health.components.every((c) => c.state === 'up')).toBe(true);

    // The registry's generated API description is readable in the browser too.
    await page.goto(`${federation.registry.registry.url}/openapi.json`);
    expect(JSON.parse((await page.locator('body').textContent()) ?? '{}').info.title).toBe(
      'Liên Thông registry API',
    );
  });

  it('works on a phone-width screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await page.goto(federation.consoleUrl);
    const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    expect(overflow).toBe(false);
  });
});
