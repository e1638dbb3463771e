import { loadErrors } from './support';

// Bad values in conditions and actions: each case is a whole file (rules/test.yaml) and the exact
// errors it must produce, at the 1-based line:column of the value an editor has to change.
const cases: [string, string, string[]][] = [
  // conditions
  [
    'an invalid regex',
    "rules:\n  - id: a\n    when: {regex: '(?<n>\\d+'}\n",
    [
      'rules/test.yaml:3:19 invalid regex in when.regex: Invalid regular expression: /(?<n>\\d+/i: Unterminated group',
    ],
  ],
  [
    'a keyword of two words',
    'rules:\n  - id: a\n    when: {keyword: [hi, "opening hours"]}\n',
    [
      'rules/test.yaml:3:26 when.keyword: keyword "opening hours" is more than one word; use equals or starts_with for phrases',
    ],
  ],
  [
    'min above max',
    'rules:\n  - id: a\n    when: {number: {min: 5, max: 1}}\n',
    ['rules/test.yaml:3:20 when.number: min (5) is greater than max (1)'],
  ],
  [
    'a phone pattern with * inside',
    'rules:\n  - id: a\n    when: {from: ["+1*55"]}\n',
    [
      'rules/test.yaml:3:19 when.from: "+1*55" is not a number or a prefix ending in * (e.g. "+1415555*")',
    ],
  ],
  [
    'an empty any',
    'rules:\n  - id: a\n    when: {any: []}\n',
    ['rules/test.yaml:3:17 when.any must list at least one condition mapping'],
  ],
  [
    'an empty not',
    'rules:\n  - id: a\n    when: {not: {}}\n',
    ['rules/test.yaml:3:17 when.not must hold at least one condition'],
  ],
  // time
  [
    'an unknown time zone',
    'rules:\n  - id: a\n    when: {time: {days: mon, timezone: Mars/Olympus}}\n',
    ['rules/test.yaml:3:40 unknown time zone "Mars/Olympus" in when.time'],
  ],
  [
    'a bad day',
    'rules:\n  - id: a\n    when: {time: {days: [mon, funday]}}\n',
    [
      'rules/test.yaml:3:31 when.time.days: "funday" is not a day or a day range (use mon, tue, wed, thu, fri, sat, sun, e.g. "mon-fri")',
    ],
  ],
  [
    'a bad day range',
    'rules:\n  - id: a\n    when: {time: {days: "mon-fri-sat"}}\n',
    [
      'rules/test.yaml:3:25 when.time.days: "mon-fri-sat" is not a day or a day range (use mon, tue, wed, thu, fri, sat, sun, e.g. "mon-fri")',
    ],
  ],
  [
    'a bad between',
    'rules:\n  - id: a\n    when: {time: {between: "9am-5pm"}}\n',
    ['rules/test.yaml:3:28 when.time: between must look like "09:00-17:00", got "9am-5pm"'],
  ],
  [
    'an impossible hour',
    'rules:\n  - id: a\n    when: {time: {between: "09:00-25:00"}}\n',
    ['rules/test.yaml:3:28 when.time: between must look like "09:00-17:00", got "09:00-25:00"'],
  ],
  [
    'an empty between',
    'rules:\n  - id: a\n    when: {time: {between: "09:00-09:00"}}\n',
    [
      'rules/test.yaml:3:28 when.time: between "09:00-09:00" covers no time or the whole day; leave between out for all day',
    ],
  ],
  [
    'a time with neither days nor between',
    'rules:\n  - id: a\n    when: {time: {timezone: UTC}}\n',
    ['rules/test.yaml:3:18 when.time needs days, between or both'],
  ],
  // actions
  [
    'an unknown reply template',
    'rules:\n  - id: a\n    reply: {template: opening}\n',
    ['rules/test.yaml:3:23 unknown template "opening" in reply.template'],
  ],
  [
    'a reply template written as a file name',
    'rules:\n  - id: a\n    reply: {template: hours.hbs}\n',
    ['rules/test.yaml:3:23 unknown template "hours.hbs" in reply.template (did you mean "hours"?)'],
  ],
  [
    'an unknown schedule template',
    'rules:\n  - id: a\n    schedule: {in: 2h, template: follow_up}\n',
    ['rules/test.yaml:3:34 unknown template "follow_up" in schedule.template'],
  ],
  [
    'a reply with template and text',
    'rules:\n  - id: a\n    reply: {template: hours, text: hi}\n',
    ['rules/test.yaml:3:12 reply needs exactly one of template or text'],
  ],
  [
    'a reply with neither template nor text',
    'rules:\n  - id: a\n    reply: {media: ["https://x/y.png"]}\n',
    ['rules/test.yaml:3:12 reply needs exactly one of template or text'],
  ],
  [
    'a reply that is a string',
    'rules:\n  - id: a\n    reply: Hello\n',
    ['rules/test.yaml:3:12 reply must be a mapping'],
  ],
  [
    'an inline reply that does not parse',
    'rules:\n  - id: a\n    reply:\n      text: "Hi {{name}"\n',
    [
      'rules/test.yaml:4:13 reply.text is not a valid template: parse error on line 1 (unexpected INVALID)',
    ],
  ],
  [
    'mismatched blocks in an inline reply',
    'rules:\n  - id: a\n    reply: {text: "{{#if a}}x{{/each}}"}\n',
    ["rules/test.yaml:3:19 reply.text is not a valid template: if doesn't match each - 1:3"],
  ],
  [
    'a set value that does not parse',
    'rules:\n  - id: a\n    set: {name: "{{message.body"}\n',
    [
      'rules/test.yaml:3:17 set.name is not a valid template: parse error on line 1 (unexpected INVALID)',
    ],
  ],
  [
    'a set key with a dot',
    'rules:\n  - id: a\n    set: {profile.name: x}\n',
    ['rules/test.yaml:3:11 set keys must be names made of letters, digits and _ (e.g. first_name)'],
  ],
  [
    'too many media URLs',
    `rules:\n  - id: a\n    reply: {text: hi, media: [${'u,'.repeat(10)}u]}\n`,
    ['rules/test.yaml:3:30 reply.media lists 11 URLs; Twilio allows 10'],
  ],
  [
    'a bad duration',
    'rules:\n  - id: a\n    schedule: {in: 2 hours, text: hi}\n',
    [
      'rules/test.yaml:3:20 schedule.in: duration must look like 45s, 30m, 2h, 1d or 1h30m, got "2 hours"',
    ],
  ],
  [
    'a duration without unit',
    'rules:\n  - id: a\n    schedule: {in: 30, text: hi}\n',
    [
      'rules/test.yaml:3:20 schedule.in: duration must look like 45s, 30m, 2h, 1d or 1h30m, got "30"',
    ],
  ],
  [
    'a schedule without in',
    'rules:\n  - id: a\n    schedule: {text: hi}\n',
    ['rules/test.yaml:3:15 schedule needs "in" (e.g. in: 2h)'],
  ],
  [
    'a schedule with template and text',
    'rules:\n  - id: a\n    schedule: {in: 1h, template: hours, text: hi}\n',
    ['rules/test.yaml:3:15 schedule needs exactly one of template or text'],
  ],
  [
    'an empty state',
    'rules:\n  - id: a\n    state: ""\n',
    ['rules/test.yaml:3:12 state must not be empty; use null to clear it'],
  ],
];

test.each(cases)('%s', (_name, yaml, expected) => {
  expect(loadErrors(yaml)).toEqual(expected);
});
