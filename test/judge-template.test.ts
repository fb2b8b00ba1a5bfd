/**
 * Judge templates: the default prompts render exactly as reward-bench's / FastChat's Python
 * `str.format` templates do; user templates render verbatim; bad files fail in one line naming
 * the file and the field; multi-turn prompts become plain conversations in `question` (formatQuestion).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { loadJudgeTemplate, parseJudgeTemplate } from '../src/judge/template.js';
import { formatQuestion } from '../src/scorers/format.js';

/** Python's str.format for templates whose only braces are fields (the reference templates). */
const pyFormat = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for {${name}}`);
    return values[name]!;
  });

// allenai/reward-bench rewardbench/generative.py @ 2560a78c8d026302205f057678c38e53887e25e9: prompt_v2, MTBENCH_V2["prompt_template"]
const REWARD_BENCH_PROMPT_V2 =
  "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user question displayed below. You should choose the assistant that follows the user's instructions and answers the user's question better. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of their responses. Begin your evaluation by comparing the two responses and provide a short explanation. Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision. Do not allow the length of the responses to influence your evaluation. Do not favor certain names of the assistants. Be as objective as possible. After providing your explanation, output your final verdict by strictly following this format: \"[[A]]\" if assistant A is better, \"[[B]]\" if assistant B is better.";
const REWARD_BENCH_PAIR_TEMPLATE =
  "[User Question]\n{question}\n\n[The Start of Assistant A's Answer]\n{answer_a}\n[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n{answer_b}\n[The End of Assistant B's Answer]";
// lm-sys/FastChat fastchat/llm_judge/data/judge_prompts.jsonl @ 0e6e7fdc78bf64aceea1508694ce4e6472810b8b: single-v1
const FASTCHAT_SINGLE_SYSTEM = 'You are a helpful assistant.';
const FASTCHAT_SINGLE_TEMPLATE =
  "[Instruction]\nPlease act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. Begin your evaluation by providing a short explanation. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: \"[[rating]]\", for example: \"Rating: [[5]]\".\n\n[Question]\n{question}\n\n[The Start of Assistant's Answer]\n{answer}\n[The End of Assistant's Answer]";

/** Values no renderer may touch: HTML, Jinja syntax, backslashes, surrounding whitespace. */
const TRICKY = {
  question: '  Is <b>5 & 6</b> "equal"?\n',
  a: "{{ response_b }} and {% if x %}raw{% endif %}\\n 'quoted'",
  b: '\n\nLine one\r\nline two\t\n',
};

describe('default templates', () => {
  it('pairwise renders exactly as reward-bench formats MTBENCH_V2', () => {
    const rendered = loadJudgeTemplate(undefined, 'pairwise').render({ question: TRICKY.question, response_a: TRICKY.a, response_b: TRICKY.b });
    expect(rendered.system).toBe(REWARD_BENCH_PROMPT_V2);
    expect(rendered.user).toBe(pyFormat(REWARD_BENCH_PAIR_TEMPLATE, { question: TRICKY.question, answer_a: TRICKY.a, answer_b: TRICKY.b }));
  });

  it('rating renders exactly as FastChat formats single-v1', () => {
    const rendered = loadJudgeTemplate(undefined, 'rating').render({ question: TRICKY.question, response: TRICKY.b });
    expect(rendered.system).toBe(FASTCHAT_SINGLE_SYSTEM);
    expect(rendered.user).toBe(pyFormat(FASTCHAT_SINGLE_TEMPLATE, { question: TRICKY.question, answer: TRICKY.b }));
  });
});

describe('user templates', () => {
  const pairwise = (template: object) => parseJudgeTemplate(JSON.stringify(template), 'judge.json', 'pairwise');
  const vars = { question: 'Q', response_a: 'RA', response_b: 'RB' };

  it('render verbatim: text, block newlines, indentation and the final newline are kept; no system without one', () => {
    const t = pairwise({ user: 'Q: {{ question }}\n{% if response_a %}\n  A: {{ response_a }}\n  {% endif %}\nB: {{ response_b }}\n\n' });
    expect(t.render(vars)).toEqual({ user: 'Q: Q\n\n  A: RA\n  \nB: RB\n\n' });
  });

  it('trim only where the template asks ({%- -%})', () => {
    const t = pairwise({ system: '  {{- " S " -}}  ', user: '{{ question }}\n{%- for r in [response_a, response_b] %} [{{ loop.index }}:{{ r }}]{% endfor %}' });
    expect(t.render(vars)).toEqual({ system: ' S ', user: 'Q [1:RA] [2:RB]' });
  });

  it('know names bound inside the template, filters, tests and globals from variables', () => {
    const t = pairwise({
      user:
        '{% set ns = namespace(n=0) %}{% set upper_q = question | upper %}{% macro show(label, text="") %}{{ label }}={{ text }}{% endmacro %}' +
        '{{ upper_q }} {{ show("A", response_a) }} {{ show(label="B", text=response_b | replace("R", "r")) }}{% if question is defined and not none %}!{% endif %}' +
        '{% for i in range(2) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}' +
        '{% for r in [response_a, response_b] if r != "RA" %} {{ r }}{% else %}none{% endfor %}{{ "?" if question else "" }}',
    });
    expect(t.render(vars).user).toBe('Q A=RA B=rB!1 RB?');
  });

  it.each([
    ['{"user": ', 'judge.json: not valid JSON'],
    ['["{{ question }}"]', 'judge.json: expected a JSON object'],
    ['{"system": "S"}', 'judge.json: field "user" is missing'],
    ['{"user": 5}', 'judge.json: field "user" must be a string of Jinja, got number'],
    ['{"user": "{{ response_a }}{{ response_b }}", "system": null}', 'judge.json: field "system" must be a string of Jinja, got null'],
    ['{"User": "x"}', 'judge.json: unknown field "User"'],
    ['{"user": "{{ reponse_a }} {{ response_b }}"}', 'judge.json: field "user": unknown variable "reponse_a" (a pairwise template has question, response_a, response_b)'],
    ['{"system": "{{ chosen }}", "user": "{{ response_a }}{{ response_b }}"}', 'judge.json: field "system": unknown variable "chosen"'],
    ['{"user": "{{ response_a }} {{ response_b "}', 'judge.json: field "user": Jinja syntax error:'],
    ['{"user": "{% for r in x %}{{ response_a }}{{ response_b }}"}', 'judge.json: field "user": Jinja syntax error:'],
    ['{"user": "{{ question }} {{ response_a }}"}', 'judge.json: the template never uses response_b'],
    ['{"user": "{{ question }}"}', 'judge.json: the template never uses response_a, response_b'],
    ['{"user": "{{ response_a.nope() }}{{ response_b }}"}', 'judge.json: field "user": rendering failed:'],
  ])('refuses %s in one line', (text, message) => {
    const attempt = () => parseJudgeTemplate(text, 'judge.json', 'pairwise');
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('check variables against the mode: a rating template has no response_a', () => {
    expect(() => parseJudgeTemplate('{"user": "{{ response_a }}"}', 't.json', 'rating')).toThrow('t.json: field "user": unknown variable "response_a" (a rating template has question, response)');
    expect(parseJudgeTemplate('{"user": "{{ response }}"}', 't.json', 'rating').render({ question: 'q', response: 'r' })).toEqual({ user: 'r' });
  });

  it('load from a file, naming a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmbench-judge-'));
    const file = join(dir, 'judge.json');
    writeFileSync(file, JSON.stringify({ system: 'Judge.', user: '{{ question }}|{{ response }}' }));
    expect(loadJudgeTemplate(file, 'rating').render({ question: 'q', response: 'r' })).toEqual({ system: 'Judge.', user: 'q|r' });
    expect(() => loadJudgeTemplate(join(dir, 'missing.json'), 'rating')).toThrow(`${join(dir, 'missing.json')}: cannot read the judge template (ENOENT)`);
    rmSync(dir, { recursive: true });
  });
});

describe('the question of a prompt', () => {
  it('is a single-turn prompt text unchanged', () => {
    expect(formatQuestion('  What is 2+2?\n')).toBe('  What is 2+2?\n');
    expect(formatQuestion([{ role: 'user', content: 'Hi <there>' }])).toBe('Hi <there>');
  });

  it('is the plain conversation otherwise ("Role: content" turns, a blank line between)', () => {
    expect(
      formatQuestion([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Name a prime.' },
        { role: 'assistant', content: '7' },
        { role: 'user', content: 'Another?' },
      ]),
    ).toBe('System: Be brief.\n\nUser: Name a prime.\n\nAssistant: 7\n\nUser: Another?');
    expect(formatQuestion([{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }])).toBe('System: S\n\nUser: U');
  });
});
