// `replybot rules test`: every rule's examples and every conversation test, then `N passed, M failed`.
import { runConversation, type ConversationResult } from '../content/conversations';
import { formatLoadError, readConversationTests, runExamples, readTestFiles } from '../rules';
import type { ExampleResult } from '../rules';
import { loadWorkspace, plural, type Io, type Workspace } from './workspace';

export interface RuleTestRun {
  examples: ExampleResult[];
  conversations: ConversationResult[];
}

/** Reads the conversation tests; prints their errors (file:line:column) and returns null when bad. */
export async function runRuleTests(workspace: Workspace, io: Io): Promise<RuleTestRun | null> {
  const testFiles = await readTestFiles(workspace.settings.rulesDir);
  const read = readConversationTests(testFiles);
  if (!read.ok) {
    for (const e of read.errors) io.err(formatLoadError(e));
    io.err(`${plural(read.errors.length, 'error')} in conversation tests: not run`);
    return null;
  }
  return {
    examples: runExamples(workspace.ruleSet),
    conversations: read.tests.map((t) =>
      runConversation(workspace.snapshot, t, workspace.ourNumber),
    ),
  };
}

export async function rulesTest(options: Map<string, string>, io: Io): Promise<number> {
  const workspace = await loadWorkspace(options, io);
  if (!workspace) return 1;
  const run = await runRuleTests(workspace, io);
  if (!run) return 1;
  let failed = 0;
  for (const r of run.examples) {
    if (r.ok) {
      io.out(`ok   ${r.ruleId}: "${r.example}"`);
      continue;
    }
    failed++;
    const got = r.matched
      ? `rule ${r.matched}`
      : r.kind === 'none'
        ? 'no rule'
        : `compliance keyword (${r.kind})`;
    io.out(`FAIL ${r.ruleId}: "${r.example}" was answered by ${got}`);
  }
  for (const c of run.conversations) {
    const where = `${c.test.file}:${c.test.line}:${c.test.column}`;
    if (c.ok) {
      io.out(`ok   ${where} ${c.test.name}`);
      continue;
    }
    failed++;
    io.out(`FAIL ${where} ${c.test.name}`);
    for (const line of describeFailure(c)) io.out(`     ${line}`);
  }
  const total = run.examples.length + run.conversations.length;
  io.out(`${total - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

/** The failed step, what it expected, and what actually happened (reply, rule, state). */
function describeFailure(c: ConversationResult): string[] {
  const s = c.failed!;
  const what =
    s.step.kind === 'send' ? `send ${JSON.stringify(s.step.body)}` : `wait ${s.step.duration}`;
  const lines = [`step ${s.index + 1} (${s.step.file}:${s.step.line}:${s.step.column}) ${what}:`];
  for (const p of s.problems) lines.push(`  ${p}`);
  if (s.step.kind === 'send') {
    const reply =
      s.replies.length === 0 ? '(no reply)' : s.replies.map((r) => JSON.stringify(r)).join(' + ');
    lines.push(`  actual reply: ${reply}`);
    lines.push(`  actual rule:  ${s.rule ?? `(none: ${s.kind})`}`);
  } else {
    const sent = s.sent.map((f) =>
      f.body === null ? `(${f.skipped ?? 'failed'})` : JSON.stringify(f.body),
    );
    lines.push(`  actual sent:  ${sent.length ? sent.join(' + ') : '(nothing)'}`);
  }
  lines.push(`  actual state: ${s.thread.state ?? 'null'}`);
  return lines;
}
