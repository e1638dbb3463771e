// Validates the optional top-level `compliance:` section: the STOP/START/HELP keyword lists and
// the templates that answer them.

import type { Node } from 'yaml';
import { normalizeText } from '../normalize';
import type { ComplianceConfig } from '../types';
import type { RuleReader } from './rule';

// Twilio's default keyword lists, which Twilio itself acts on for long codes and toll-free numbers:
// https://help.twilio.com/articles/223134027-Twilio-support-for-opt-out-keywords-SMS-STOP-filtering-
export const DEFAULT_COMPLIANCE: ComplianceConfig = {
  optOut: ['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout'],
  optIn: ['start', 'yes', 'unstop'],
  help: ['help', 'info'],
  helpTemplate: 'help',
};

const LISTS = [
  ['opt_out', 'optOut'],
  ['opt_in', 'optIn'],
  ['help', 'help'],
] as const;

const TEMPLATES = [
  ['help_template', 'helpTemplate'],
  ['opt_out_template', 'optOutTemplate'],
  ['opt_in_template', 'optInTemplate'],
] as const;

/**
 * A configured list replaces Twilio's default for that kind (an empty list switches the kind
 * off). A keyword may belong to one list only, as the kinds act in opposite directions; a default
 * keyword that an editor moved to another list (e.g. `help: [yes]`) leaves its default list.
 */
export function readCompliance(r: RuleReader, node: Node | null): ComplianceConfig | undefined {
  const { src } = r;
  const errorsBefore = src.errors.length;
  const allowed = [...LISTS.map(([key]) => key), ...TEMPLATES.map(([key]) => key)];
  const fields = src.readMap(node, 'compliance', allowed);
  if (fields === null) return undefined;
  const config: ComplianceConfig = { ...DEFAULT_COMPLIANCE };
  const owner = new Map<string, string>();
  for (const [key, prop] of LISTS) {
    const field = fields.get(key);
    if (!field) continue;
    const items = src.isEmptyList(field.value)
      ? []
      : (src.textItems(field.value, `compliance.${key}`) ?? []);
    const keywords: string[] = [];
    for (const item of items) {
      const keyword = normalizeText(item.value);
      const taken = owner.get(keyword);
      if (keyword === '') src.error(item.node, `compliance.${key}: "${item.value}" is empty`);
      else if (taken !== undefined && taken !== key) {
        src.error(item.node, `compliance.${key}: "${item.value}" is already in ${taken}`);
      } else {
        owner.set(keyword, key);
        if (!keywords.includes(keyword)) keywords.push(keyword);
      }
    }
    config[prop] = keywords;
  }
  for (const [key, prop] of LISTS) {
    if (!fields.has(key)) config[prop] = config[prop].filter((keyword) => !owner.has(keyword));
  }
  for (const [key, prop] of TEMPLATES) {
    const field = fields.get(key);
    if (!field) continue;
    const name = src.text(src.at(field), `compliance.${key}`);
    if (name !== undefined && !r.knownTemplates.has(name)) {
      src.error(src.at(field), `unknown template "${name}" in compliance.${key}`);
    } else if (name !== undefined) {
      config[prop] = name;
    }
  }
  return src.errors.length === errorsBefore ? config : undefined;
}
