/**
 * @file Judge templates: loading `--judge-template FILE` (JSON `{"system"?: Jinja, "user": Jinja}`),
 * checking it once at load (JSON, fields, Jinja syntax, variables, a trial render), and rendering
 * it with @huggingface/jinja into the system message and the only user message.
 *
 * Rendering is verbatim (issue 14, pinned; verbatimTemplate in src/scorers/format.ts): no HTML
 * autoescaping, no trimming of the result, nothing appended, the template's own text keeps every
 * character. The responses are passed unchanged; the prompt is `question` as formatQuestion
 * writes it (src/scorers/format.ts, shared with pairwise models).
 */
import type { Template } from '@huggingface/jinja';
import { UserError, errorMessage } from '../errors.js';
import { readRegularFile } from '../io.js';
import { verbatimTemplate } from '../scorers/format.js';
import { DEFAULT_TEMPLATES, TEMPLATE_VARIABLES, type JudgeMode, type JudgeTemplate, type TemplateVariables } from './prompts.js';
import { freeVariables } from './template-variables.js';

/** What a judge request sends: the system message (when the template has one) and the user message. */
export interface RenderedPrompt {
  system?: string;
  user: string;
}

export interface CompiledJudgeTemplate<M extends JudgeMode = JudgeMode> {
  mode: M;
  /** Where it came from: the template file, or "default" (MT-Bench). */
  source: string;
  render(variables: TemplateVariables[M]): RenderedPrompt;
}

const FIELDS = ['system', 'user'] as const;
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
type Field = (typeof FIELDS)[number];

/** Values for the trial render at load: each variable's own name, so any text renders. */
const trialValues = (mode: JudgeMode) => Object.fromEntries(TEMPLATE_VARIABLES[mode].map((name) => [name, name]));

/**
 * Checks a template for a mode and compiles it; every problem is a one-line UserError naming the
 * source and the field: Jinja syntax, a variable the mode does not supply, a response the judge
 * would never see, a render that fails.
 */
export function compileJudgeTemplate<M extends JudgeMode>(template: JudgeTemplate, mode: M, source: string): CompiledJudgeTemplate<M> {
  const allowed: readonly string[] = TEMPLATE_VARIABLES[mode];
  const compiled = new Map<Field, Template>();
  const used = new Set<string>();
  for (const field of FIELDS) {
    const text = template[field];
    if (text === undefined) continue;
    let jinja: Template;
    try {
      jinja = verbatimTemplate(text);
    } catch (err) {
      throw new UserError(`${source}: field "${field}": Jinja syntax error: ${oneLine(errorMessage(err))}`);
    }
    for (const name of freeVariables(jinja.parsed)) {
      if (!allowed.includes(name)) throw new UserError(`${source}: field "${field}": unknown variable "${name}" (a ${mode} template has ${allowed.join(', ')})`);
      used.add(name);
    }
    compiled.set(field, jinja);
  }
  const unseen = allowed.filter((name) => name !== 'question' && !used.has(name));
  if (unseen.length) throw new UserError(`${source}: the template never uses ${unseen.join(', ')}: the judge would not see ${unseen.length > 1 ? 'those responses' : 'that response'}`);

  const renderField = (field: Field, variables: Record<string, string>): string | undefined => {
    const jinja = compiled.get(field);
    if (!jinja) return undefined;
    try {
      return jinja.render(variables);
    } catch (err) {
      throw new UserError(`${source}: field "${field}": rendering failed: ${oneLine(errorMessage(err))}`);
    }
  };
  const render = (variables: TemplateVariables[M]): RenderedPrompt => {
    const values = variables as Record<string, string>;
    const system = renderField('system', values);
    return { ...(system === undefined ? {} : { system }), user: renderField('user', values)! };
  };
  render(trialValues(mode) as TemplateVariables[M]);
  return { mode, source, render };
}

/** Parses the JSON text of a template file; `file` names it in errors. */
export function parseJudgeTemplate<M extends JudgeMode>(text: string, file: string, mode: M): CompiledJudgeTemplate<M> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${oneLine(errorMessage(err))}); expected {"system": "<optional Jinja>", "user": "<Jinja>"}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${file}: expected a JSON object {"system": "<optional Jinja>", "user": "<Jinja>"}, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw new UserError(`${file}: unknown field "${key}" (a judge template has "system" (optional) and "user")`);
  }
  if (record.user === undefined) throw new UserError(`${file}: field "user" is missing (the Jinja template of the user message)`);
  for (const field of FIELDS) {
    const v = record[field];
    if (v !== undefined && typeof v !== 'string') throw new UserError(`${file}: field "${field}" must be a string of Jinja, got ${v === null ? 'null' : typeof v}`);
  }
  return compileJudgeTemplate(record as unknown as JudgeTemplate, mode, file);
}

/** `--judge-template FILE` for a mode, or the mode's default (MT-Bench) without one. */
export function loadJudgeTemplate<M extends JudgeMode>(file: string | undefined, mode: M): CompiledJudgeTemplate<M> {
  if (file === undefined) return compileJudgeTemplate(DEFAULT_TEMPLATES[mode], mode, 'default');
  return parseJudgeTemplate(readRegularFile(file, 'the judge template').toString('utf8'), file, mode);
}
