// `replybot rules lint [--strict] [--segments]`: findings as `file:line:column severity code message`.
import { formatFinding, lintBot } from '../content/lint';
import { runRuleTests } from './rulesTest';
import { loadWorkspace, plural, type Io } from './workspace';

export async function rulesLint(
  options: Map<string, string>,
  flags: Set<string>,
  io: Io,
): Promise<number> {
  const workspace = await loadWorkspace(options, io);
  if (!workspace) return 1;
  // Coverage and segment budgets come from running the examples and conversations.
  const run = await runRuleTests(workspace, io);
  if (!run) return 1;
  const report = lintBot({
    files: workspace.files,
    snapshot: workspace.snapshot,
    examples: run.examples,
    conversations: run.conversations,
  });
  for (const finding of report.findings) io.out(formatFinding(finding));
  if (flags.has('segments')) {
    io.out('segments per rule (the costliest message in the examples and conversations):');
    for (const use of report.segments) {
      const budget = use.budget === undefined ? '' : ` (budget ${use.budget})`;
      io.out(
        `  ${use.rule}: ${use.segments} ${use.encoding}, ${use.characters} characters${budget}`,
      );
    }
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const failing = errors > 0 || (flags.has('strict') && warnings > 0);
  io.out(
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')}${failing && errors === 0 ? ' (--strict)' : ''}`,
  );
  return failing ? 1 : 0;
}
