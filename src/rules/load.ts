// Loads rule files into a RuleSet, or reports every problem in every file (never just the first).

import { isSeq } from 'yaml';
import type { Node } from 'yaml';
import { buildRuleSet } from './compile';
import { DEFAULT_COMPLIANCE, readCompliance } from './schema/compliance';
import { SourceFile } from './schema/reader';
import { readMaxSegments, readRule } from './schema/rule';
import type { RuleReader } from './schema/rule';
import type {
  CompiledRule,
  ComplianceConfig,
  LoadOptions,
  LoadResult,
  RuleFile,
  RuleLoadError,
} from './types';

export function formatLoadError(e: RuleLoadError): string {
  return `${e.file}:${e.line}:${e.column} ${e.message}`;
}

/**
 * Files are taken in the order given (readRuleFiles sorts them by name) and their `rules` lists
 * are joined in that order. Any error anywhere means no RuleSet: the caller keeps the last good one.
 */
export function loadRuleSet(files: RuleFile[], options: LoadOptions): LoadResult {
  const errors: RuleLoadError[] = [];
  const rules: CompiledRule[] = [];
  const firstId = new Map<string, string>(); // id → "file:line:column" of its first definition
  let compliance: ComplianceConfig | undefined;
  let complianceAt: string | undefined;

  for (const file of files) {
    const src = SourceFile.parse(file);
    const reader: RuleReader = {
      src,
      defaultTimezone: options.defaultTimezone,
      knownTemplates: options.knownTemplates,
      checkTemplate: options.checkTemplate,
    };
    const top = src.doc?.contents as Node | null | undefined;
    // An empty file (or one holding only comments) is a valid, empty rules file.
    if (src.doc !== null && top !== null && top !== undefined && !src.isNull(top)) {
      const fields = src.readMap(top, 'the file (top level)', ['rules', 'compliance', 'settings']);
      const settingsField = fields?.get('settings');
      if (settingsField && !src.isNull(settingsField.value)) {
        reader.maxSegments = readSettings(reader, settingsField.value);
      }
      const complianceField = fields?.get('compliance');
      if (complianceField && !src.isNull(complianceField.value)) {
        const where = src.position(complianceField.key);
        if (complianceAt !== undefined) {
          src.error(complianceField.key, `compliance is already configured at ${complianceAt}`);
        } else {
          complianceAt = `${file.path}:${where.line}:${where.column}`;
          compliance = readCompliance(reader, complianceField.value);
        }
      }
      const rulesField = fields?.get('rules');
      if (rulesField && !src.isNull(rulesField.value)) {
        readRules(reader, rulesField.value!, firstId, rules);
      }
    }
    // Reading order is not always file order (duplicate ids are found after a rule's body).
    errors.push(...src.errors.sort((a, b) => a.line - b.line || a.column - b.column));
  }

  if (errors.length > 0) return { ok: false, errors };
  const config = compliance ?? { ...DEFAULT_COMPLIANCE };
  const warnings = warningsFor(config, options);
  const ruleSet = buildRuleSet(files, rules, config, warnings, options.defaultTimezone);
  return { ok: true, ruleSet };
}

/** `settings:` at the top of a file: defaults for the rules in that file. */
function readSettings(reader: RuleReader, node: Node | null): number | undefined {
  const fields = reader.src.readMap(node, 'settings', ['max_segments']);
  const field = fields?.get('max_segments');
  return field && readMaxSegments(reader, reader.src.at(field), 'settings.max_segments');
}

function readRules(
  reader: RuleReader,
  node: Node,
  firstId: Map<string, string>,
  rules: CompiledRule[],
): void {
  const { src } = reader;
  if (!isSeq(node)) {
    src.error(node, 'rules must be a list of rules (each starting with "- id: …")');
    return;
  }
  node.items.forEach((item, position) => {
    const { id, rule } = readRule(reader, src.resolve(item), position);
    if (id !== undefined) {
      const first = firstId.get(id.value);
      if (first !== undefined) {
        src.error(id.node, `duplicate rule id "${id.value}" (first defined at ${first})`);
        return;
      }
      const at = src.position(id.node);
      firstId.set(id.value, `${src.path}:${at.line}:${at.column}`);
    }
    if (rule !== undefined) rules.push(rule);
  });
}

/**
 * Carriers require an answer to HELP. The default help template is not an error when missing
 * (nobody asked for it by name), but `rules check` should say so.
 */
function warningsFor(config: ComplianceConfig, options: LoadOptions): string[] {
  const warnings: string[] = [];
  if (config.help.length > 0 && !options.knownTemplates.has(config.helpTemplate)) {
    warnings.push(
      `HELP is answered with template "${config.helpTemplate}", which does not exist; ` +
        `add templates/${config.helpTemplate}.hbs or set compliance.help_template`,
    );
  }
  return warnings;
}
