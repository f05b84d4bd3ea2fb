import { fileSections, type WorkflowFile } from "../../config/index.js";
import { GatewayError } from "../errors.js";

/**
 * Refuses a caller-sent file (workflow_yaml, workflow_config, generated) with a workflow longer than the node allows,
 * in any environment section, before it is planned or run.
 */
export function checkInlineSteps(file: WorkflowFile, maxSteps: number): void {
  for (const [section] of fileSections(file)) {
    for (const [name, workflow] of Object.entries(section.workflows ?? {})) {
      if (workflow.steps.length <= maxSteps) continue;
      throw new GatewayError("WFX_INLINE_WORKFLOW_REJECTED", `workflows.${name} has ${workflow.steps.length} steps; inline workflows may have at most ${maxSteps} (the node's maxInlineSteps)`, {
        hint: "split it into sub-workflows, or put it in a file in one of the node's workflow directories and run it by workflow_name",
      });
    }
  }
}
