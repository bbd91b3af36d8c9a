/**
 * A valid example input for every MCP tool: shown in docs, and used by the bridge tests to call
 * each tool for real. A tool without an example here fails the tests, so none is forgotten.
 */
export const TOOL_EXAMPLES: Record<string, unknown> = {
  get_runtime_status: {},
};
