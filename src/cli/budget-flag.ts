import { BUDGET_FIELDS, BudgetSchema, type Budget } from "../config/index.js";
import { describeIssues } from "../errors.js";
import { CliError } from "./cli-error.js";

const HINT = `e.g. --budget max_tokens=20000,max_model_calls=10 (limits: ${BUDGET_FIELDS.join(", ")}), or as JSON: --budget '{"max_tool_calls": 5}'`;

/** `--budget`: `name=N,...` or a JSON object, checked against the same schema as a workflow's `budget:`. */
export function parseBudgetFlag(raw: string): Budget {
  let asked: unknown;
  if (raw.trim().startsWith("{")) {
    try {
      asked = JSON.parse(raw);
    } catch (error) {
      throw new CliError(`--budget is not valid JSON: ${(error as Error).message}`, { hint: HINT });
    }
  } else {
    const limits: Record<string, unknown> = {};
    for (const part of raw.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
      const [name, value, extra] = part.split("=").map((p) => p.trim());
      if (!name || value === undefined || value === "" || extra !== undefined) throw new CliError(`--budget: '${part}' is not name=number`, { hint: HINT });
      limits[name] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    }
    asked = limits;
  }
  const parsed = BudgetSchema.safeParse(asked);
  if (!parsed.success) throw new CliError(`--budget: ${describeIssues(parsed.error.issues, "limits")}`, { hint: HINT });
  if (Object.keys(parsed.data).length === 0) throw new CliError("--budget sets no limit", { hint: HINT });
  return parsed.data;
}
