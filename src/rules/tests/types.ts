// The shapes of a conversation test (`RULES_DIR/tests/*.yaml`, SPEC §8) once read and checked.

/** Where something was written, for `file:line:column` in failures. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** The thread a conversation starts from (`given:`); a new contact by default. */
export interface GivenThread {
  state: string | null;
  vars: Record<string, unknown>;
  tags: string[];
  /** Messages the contact sent before the first step. */
  messages: number;
  optedOut: boolean;
}

/** What a step expects; every key is optional and only the keys given are checked. */
export interface StepExpectation {
  /** The rule that answered; null = no rule (nothing matched, or a compliance keyword). */
  rule?: string | null;
  /** The exact reply, one string per `<Message>` the TwiML would hold. */
  reply?: string[];
  /** Each must appear in the reply. */
  replyContains?: string[];
  /** The reply (its messages joined by a newline) must match; case-sensitive. */
  replyMatches?: RegExp;
  noReply?: boolean;
  state?: string | null;
  /** A subset: each named var must have this value (null = unset). */
  vars?: Record<string, unknown>;
  tagsInclude?: string[];
  tagsExclude?: string[];
  optedOut?: boolean;
  /** The exact messages follow-ups sent during a `wait`, in order. */
  sent?: string[];
  /** Each must appear in a message sent during a `wait`. */
  sentContains?: string[];
  /** No message of the reply may cost more SMS segments than this. */
  segmentsMax?: number;
}

export type ConversationStep = SourcePosition & { expect: StepExpectation } & (
    { kind: 'send'; body: string; media: string[] } | { kind: 'wait'; ms: number; duration: string }
  );

export interface ConversationTest extends SourcePosition {
  name: string;
  /** The texter's number; undefined = the runner's test number. */
  contact?: string;
  /** Our number; undefined = TWILIO_FROM, else the first number the rules name. */
  to?: string;
  /** The clock at the first step; undefined = the runner's default moment. */
  start?: Date;
  given: GivenThread;
  steps: ConversationStep[];
}

export interface TestFileError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type ReadTestsResult =
  { ok: true; tests: ConversationTest[] } | { ok: false; errors: TestFileError[] };
