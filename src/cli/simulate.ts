// `replybot simulate`: one message through the rules, as the webhook would see it, printed.
import { evaluate } from '../content/evaluate';
import { UsageError } from './args';
import { loadWorkspace, type Io } from './workspace';

export async function simulate(
  options: Map<string, string>,
  positionals: string[],
  io: Io,
): Promise<number> {
  const from = options.get('from');
  if (!from) throw new UsageError('simulate needs --from +E164');
  if (positionals.length !== 1)
    throw new UsageError('simulate needs the message text as one argument');
  const messages = options.get('messages') ?? '0';
  if (!/^\d+$/.test(messages))
    throw new UsageError('--messages must be a whole number (messages sent before this one)');
  const workspace = await loadWorkspace(options, io);
  if (!workspace) return 1;
  const outcome = evaluate(workspace.snapshot, {
    message: {
      body: positionals[0],
      from,
      to: options.get('to') ?? workspace.ourNumber,
      media: [],
    },
    thread: {
      state: options.get('state') ?? null,
      vars: {},
      tags: [],
      // A contact we have never heard from, unless --messages says otherwise (as the webhook
      // would see a first text from --from).
      messageCount: Number(messages),
      optedOut: false,
      firstSeen: null,
    },
    now: io.now(),
  });
  const compliance = outcome.kind === 'rule' || outcome.kind === 'none' ? null : outcome.kind;
  io.out(
    `matched: ${outcome.rule ? outcome.rule.id : compliance ? `(compliance: ${compliance})` : '(no rule)'}`,
  );
  if (outcome.replies.length === 0) io.out('reply:   (none)');
  for (const reply of outcome.replies) {
    io.out(`reply:   ${reply.body}`);
    for (const url of reply.media) io.out(`media:   ${url}`);
  }
  if (Object.keys(outcome.set).length) io.out(`set:     ${JSON.stringify(outcome.set)}`);
  if (outcome.state !== undefined) io.out(`state:   ${outcome.state ?? '(cleared)'}`);
  if (outcome.tags.add.length || outcome.tags.remove.length)
    io.out(`tags:    +[${outcome.tags.add.join(', ')}] -[${outcome.tags.remove.join(', ')}]`);
  if (outcome.schedule)
    io.out(
      `follow-up at ${outcome.schedule.at.toISOString()}: ${outcome.schedule.template ? `template ${outcome.schedule.template}` : outcome.schedule.body}`,
    );
  if (outcome.error) io.err(`template error (fallback used): ${outcome.error}`);
  return 0;
}
