// The generated dashboards' structure: links executive → on-call → analyst, a grid without
// overlaps, and SQL placeholders that must all be filled.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constant, panelSql } from '../../src/dashboards/queries.js';
import { ROOT } from '../support/helpers.js';

interface Panel {
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { links?: Array<{ url: string }> } };
}
interface Dashboard {
  uid: string;
  links: Array<{ url: string }>;
  panels: Panel[];
}
const load = (name: string) => JSON.parse(readFileSync(join(ROOT, 'dashboards', `${name}.json`), 'utf8')) as Dashboard;
const dashboards = { executive: load('ztna-executive'), oncall: load('ztna-oncall'), analyst: load('ztna-analyst') };
const panelLinks = (d: Dashboard) => d.panels.flatMap((p) => (p.fieldConfig?.defaults?.links ?? []).map((l) => l.url));

describe('generated dashboards', () => {
  it('link executive → on-call → analyst, from the dashboard and from its panels', () => {
    expect(dashboards.executive.links.map((l) => l.url)).toEqual(['/d/ztna-oncall/ztna-on-call', '/d/ztna-analyst/ztna-analyst']);
    expect(dashboards.oncall.links.map((l) => l.url)).toContain('/d/ztna-analyst/ztna-analyst');
    expect(dashboards.analyst.links.map((l) => l.url)).toContain('/d/ztna-oncall/ztna-on-call');
    expect(panelLinks(dashboards.executive).some((u) => u.startsWith('/d/ztna-oncall/'))).toBe(true);
    expect(panelLinks(dashboards.oncall).some((u) => u.startsWith('/d/ztna-analyst/'))).toBe(true);
    // A denial's principal opens that principal's trail.
    expect(panelLinks(dashboards.analyst)).toContainEqual(expect.stringContaining('var-principal=${__data.fields.principal_id}'));
  });

  it('lay panels on the 24-column grid without overlaps', () => {
    expect(Object.fromEntries(Object.entries(dashboards).map(([name, d]) => [name, d.panels.length]))).toEqual({
      executive: 17,
      oncall: 19,
      analyst: 12,
    });
    for (const [name, d] of Object.entries(dashboards)) {
      const cells = new Set<string>();
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w, `${name}: ${p.title}`).toBeLessThanOrEqual(24);
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`), `${name}: ${p.title} overlaps at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
      }
    }
  });

  it('fill every SQL placeholder, quoting constants by type, and refuse to leave one open', () => {
    const sql = panelSql(
      { query: 'risk_top' },
      {
        from: '$__fromTime_ms',
        to: '$__toTime_ms',
        all_tenants: constant(0),
        tenants: constant("o'hara"),
        dimension: constant('app'),
        limit: constant(10),
      },
    );
    expect(sql).toContain("JSONExtractString(e, 'app')");
    expect(sql).toContain('SELECT app AS subject');
    expect(sql).toContain("tenant IN 'o\\'hara'");
    expect(sql).toContain('LIMIT 10');
    expect(sql).not.toMatch(/\{\w+:/);
    expect(() => panelSql({ query: 'risk_top' }, { from: 'x' })).toThrow(/no value for dimension, to, all_tenants, tenants, limit/);
    expect(() =>
      panelSql({ query: 'risk_top' }, { from: 'x', to: 'y', tenant: "''", dimension: constant('app; DROP TABLE x'), limit: constant(1) }),
    ).toThrow(/not an identifier/);
  });
});
