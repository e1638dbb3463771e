// Our numbers as the rules name them, for tools that must pick one when the user gives none.

import type { Condition } from './conditions';
import type { RuleSet } from './types';

/**
 * The first exact number (not a prefix) in a `to` condition, in rule order, those inside `any`
 * included (a `to` inside `not` names a number the rule does NOT want): the number a `to`-scoped
 * rule expects to be texted at. Null when the rules name none.
 */
export function firstNamedNumber(ruleSet: RuleSet): string | null {
  const visit = (group: readonly Condition[]): string | null => {
    for (const c of group) {
      if (c.kind === 'to') {
        const exact = c.patterns.find((p) => !p.prefix);
        if (exact) return exact.value;
      }
      for (const g of c.kind === 'any' ? c.groups : []) {
        const found = visit(g);
        if (found !== null) return found;
      }
    }
    return null;
  };
  for (const rule of ruleSet.compiled) {
    const found = visit(rule.conditions);
    if (found !== null) return found;
  }
  return null;
}
