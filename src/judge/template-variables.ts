/**
 * @file The variables a parsed Jinja template reads from its caller, found statically by walking
 * @huggingface/jinja's syntax tree, so that a judge template naming a variable rmbench does not
 * supply (a typo: `{{ reponse }}`) is refused when it is loaded, not rendered silently as "".
 * Names bound inside the template (set, for, macro, call blocks) and the engine's globals are not
 * free; filter and test names, attribute names and keyword-argument names are not variables.
 */
import type { parse } from '@huggingface/jinja';

type Program = ReturnType<typeof parse>;

/** A syntax-tree node: every node has a `type`; the rest of its fields depend on it. */
interface Node {
  type: string;
  [field: string]: unknown;
}

/** Set in every render by the engine (setupGlobals and the Environment's own `namespace`). */
const GLOBALS = new Set(['true', 'false', 'none', 'True', 'False', 'None', 'range', 'raise_exception', 'strftime_now', 'namespace']);

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

/** Names an assignment target binds: `x`, `a, b` (a member target `ns.x` binds nothing). */
function targetNames(target: unknown): string[] {
  if (!isNode(target)) return [];
  if (target.type === 'Identifier') return [target.value as string];
  if (target.type === 'TupleLiteral' || target.type === 'ArrayLiteral') return (target.value as unknown[]).flatMap(targetNames);
  return [];
}

/** Parameter names of a macro or call block (`x`, `x=default`). */
function parameterNames(parameters: unknown): string[] {
  return ((parameters as Node[] | null) ?? []).flatMap((p) => (p.type === 'KeywordArgumentExpression' ? targetNames(p.key) : targetNames(p)));
}

/** The free variables of a template, in order of first use. */
export function freeVariables(program: Program): string[] {
  const free = new Set<string>();

  /** Walks a statement list in order; a `set` binds its name for the statements after it. */
  const block = (statements: unknown, bound: ReadonlySet<string>): void => {
    const scope = new Set(bound);
    for (const statement of (statements as unknown[]) ?? []) {
      visit(statement, scope);
      if (isNode(statement) && statement.type === 'Set') for (const name of targetNames(statement.assignee)) scope.add(name);
      if (isNode(statement) && statement.type === 'Macro') for (const name of targetNames(statement.name)) scope.add(name);
    }
  };

  const visit = (value: unknown, bound: ReadonlySet<string>): void => {
    if (Array.isArray(value)) return value.forEach((v) => visit(v, bound));
    if (value instanceof Map) return [...value].forEach(([k, v]) => (visit(k, bound), visit(v, bound)));
    if (!isNode(value)) return;
    const with_ = (names: string[]) => new Set([...bound, ...names]);
    switch (value.type) {
      case 'Identifier': {
        const name = value.value as string;
        if (!bound.has(name) && !GLOBALS.has(name)) free.add(name);
        return;
      }
      case 'Program':
        return block(value.body, bound);
      case 'If':
        visit(value.test, bound);
        block(value.body, bound);
        return block(value.alternate, bound);
      case 'For': {
        const loopScope = with_([...targetNames(value.loopvar), 'loop']);
        // `for x in xs if test(x)`: the filter reads the loop variable.
        const iterable = value.iterable as Node;
        if (iterable.type === 'SelectExpression') {
          visit(iterable.lhs, bound);
          visit(iterable.test, loopScope);
        } else visit(iterable, bound);
        block(value.body, loopScope);
        return block(value.defaultBlock, bound);
      }
      case 'Set':
        if (isNode(value.assignee) && value.assignee.type === 'MemberExpression') visit(value.assignee.object, bound);
        visit(value.value, bound);
        return block(value.body, bound);
      case 'Macro':
        return block(value.body, with_([...targetNames(value.name), ...parameterNames(value.args), 'caller', 'varargs', 'kwargs']));
      case 'CallStatement':
        visit(value.call, bound);
        return block(value.body, with_(parameterNames(value.callerArgs)));
      case 'MemberExpression':
        visit(value.object, bound);
        if (value.computed) visit(value.property, bound);
        return;
      case 'FilterExpression':
      case 'FilterStatement': {
        visit(value.operand, bound);
        // The filter's name is not a variable; its arguments are expressions.
        const filter = value.filter as Node;
        if (filter.type === 'CallExpression') visit(filter.args, bound);
        return block(value.body, bound);
      }
      case 'TestExpression':
        return visit(value.operand, bound);
      // Operators are lexer tokens (`and`, `not`, `in` read as identifiers), not variables.
      case 'BinaryExpression':
        visit(value.left, bound);
        return visit(value.right, bound);
      case 'UnaryExpression':
        return visit(value.argument, bound);
      case 'KeywordArgumentExpression':
        return visit(value.value, bound);
      default:
        for (const [field, child] of Object.entries(value)) if (field !== 'type') visit(child, bound);
    }
  };

  visit(program, new Set());
  return [...free];
}
