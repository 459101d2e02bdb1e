/** The gateway configs in deploy/gateways/ are what docs/idle-timeout.md runs and what the gateway tests render. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_CONFIG_DIR, haproxyConfig, nginxConfig, renderGatewayConfig, type GatewayOptions } from '../helpers/gateways.js';
import { missing, partPath } from '../helpers/real-parts.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-gateway-configs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opts: GatewayOptions = { upstream: { host: '127.0.0.1', port: 41_234 }, idleTimeoutMs: 2500 };

/** Directive lines only: the files' comments name the documented defaults on purpose. */
function directives(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe('deploy/gateways', () => {
  it('nginx: the tests change exactly the documented lines', () => {
    const lines = directives(nginxConfig(40_001, opts));
    expect(lines).toContain('listen 127.0.0.1:40001;');
    expect(lines).toContain('server 127.0.0.1:41234;');
    expect(lines).toContain('proxy_read_timeout 2500ms;');
    expect(lines).toContain('proxy_send_timeout 2500ms;');
    expect(lines.join('\n')).not.toMatch(/8080|8888|\b5s;/);
    // Everything else is the shipped file, line for line.
    const shipped = directives(readFileSync(join(GATEWAY_CONFIG_DIR, 'nginx.conf'), 'utf8'));
    expect(lines.filter((l) => !shipped.includes(l)).filter((l) => l !== 'user root;')).toHaveLength(4);
  });

  it('haproxy: the tests change exactly the documented lines', () => {
    const lines = directives(haproxyConfig(40_002, opts));
    expect(lines).toEqual(
      expect.arrayContaining([
        'bind 127.0.0.1:40002',
        'server target 127.0.0.1:41234',
        'timeout tunnel 2500ms',
        'timeout client 30000ms',
        'timeout server 30000ms',
      ]),
    );
    const shipped = directives(readFileSync(join(GATEWAY_CONFIG_DIR, 'haproxy.cfg'), 'utf8'));
    expect(lines.filter((l) => !shipped.includes(l))).toHaveLength(5);
  });

  it('refuses to render when a documented line is missing or doubled', () => {
    expect(() => renderGatewayConfig('haproxy.cfg', [['timeout tunnel 1h', 'x']])).toThrow(
      'deploy/gateways/haproxy.cfg: expected the line "timeout tunnel 1h" once, found it 0 times',
    );
  });

  it.skipIf(missing('nginx'))('nginx -t accepts the shipped file as docs/idle-timeout.md runs it, and the rendered one', () => {
    const bin = partPath('nginx');
    execFileSync(bin, ['-t', '-q', '-p', dir, '-c', join(GATEWAY_CONFIG_DIR, 'nginx.conf'), '-e', join(dir, 'error.log')], {
      stdio: 'pipe',
    });
    writeFileSync(join(dir, 'rendered.conf'), nginxConfig(40_001, opts));
    execFileSync(bin, ['-t', '-q', '-p', dir, '-c', join(dir, 'rendered.conf'), '-e', join(dir, 'error.log')], { stdio: 'pipe' });
  });

  it.skipIf(missing('haproxy'))('haproxy -c accepts the shipped file and the rendered one', () => {
    const bin = partPath('haproxy');
    execFileSync(bin, ['-c', '-q', '-f', join(GATEWAY_CONFIG_DIR, 'haproxy.cfg')], { stdio: 'pipe' });
    writeFileSync(join(dir, 'rendered.cfg'), haproxyConfig(40_002, opts));
    execFileSync(bin, ['-c', '-q', '-f', join(dir, 'rendered.cfg')], { stdio: 'pipe' });
  });
});
