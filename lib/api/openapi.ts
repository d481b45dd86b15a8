/**
 * GET /api/openapi.json: OpenAPI 3.1 generated from the endpoints' zod
 * schemas (zod's own JSON Schema output), never written by hand.
 */
import { z } from "zod";
import { ENDPOINTS } from "./endpoints";
import { apiErrorSchema } from "./schemas";

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  void _dialect;
  return rest;
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: jsonSchema(apiErrorSchema, "output") } },
});

export function openApiDocument(version = "1") {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of ENDPOINTS) {
    const query = endpoint.query ? jsonSchema(endpoint.query, "input") : undefined;
    const parameters = Object.entries(query?.properties ?? {}).map(([name, schema]) => {
      const { description, ...rest } = schema;
      return { name, in: "query", required: query?.required?.includes(name) ?? false, description, schema: rest };
    });
    paths[endpoint.path] = {
      ...paths[endpoint.path],
      [endpoint.method]: {
        operationId: endpoint.operationId,
        summary: endpoint.summary,
        security: [{ bearerAuth: [] }],
        parameters,
        responses: {
          "200": {
            description: "OK",
            content: {
              [endpoint.contentType ?? "application/json"]: { schema: jsonSchema(endpoint.response, "output") },
              ...Object.fromEntries(
                Object.entries(endpoint.textResponses ?? {}).map(([type, description]) => [type, { schema: { type: "string", description } }]),
              ),
            },
          },
          "400": errorResponse("Invalid input; nothing was changed"),
          "401": errorResponse("Missing, unknown or revoked API key"),
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "burstreply operator API",
      version,
      description:
        "Automation over the operator dashboard. Send `Authorization: Bearer <key>` with a key the owner made in Team & access (or OPERATOR_API_KEY).",
    },
    components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } } },
    paths,
  };
}
