import TemplateEngine

/// The OpenAPI 3.1 document served at `/openapi.json`. Every route of `KassaAPI` is listed here, and
/// a test fails when a route is missing, so the document matches what the server does.
enum OpenAPIDocument {
    static let json = """
        {
          "openapi": "3.1.0",
          "info": {"title": "Apikassa API", "version": "1.0.0",
                   "description": "Payment agent and notification service for APIEGRN partners. Errors are application/problem+json (RFC 9457) with a stable code."},
          "servers": [{"url": "/"}],
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
              "description": "ak_live_… and ak_test_… (partner), ak_mod_… (moderator), ak_op_… (operator)"}},
            "schemas": {
              "Problem": {"type": "object", "required": ["type", "title", "status", "code"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                               "code": {"type": "string"}, "detail": {"type": "string"}}},
              "Template": {"type": "object", "required": ["id", "event", "channel", "name", "versions"],
                "properties": {"id": {"type": "string"}, "event": {"type": "string"}, "channel": {"type": "string"},
                  "name": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
                  "versions": {"type": "array", "items": {"type": "object", "properties": {"number": {"type": "integer"},
                    "state": {"enum": ["draft", "submitted", "approved", "rejected"]},
                    "content": {"type": "object", "additionalProperties": {"type": "string"}}}}},
                  "diagnostics": {"type": "array", "items": {"type": "object"}}}}
            },
            "responses": {
              "Unauthorized": {"description": "Missing, unknown or revoked token",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            }
          },
          "paths": {
            "/healthz": {"get": {"summary": "Liveness", "operationId": "health",
              "responses": {"200": {"description": "The service is up",
                "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"const": "ok"}}}}}}}}},
            "/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
              "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "operationId": "metrics",
              "responses": {"200": {"description": "Text exposition format", "content": {"text/plain": {}}}}}},
            "/v1/me": {"get": {"summary": "Who the token belongs to", "operationId": "me", "security": [{"bearer": []}],
              "responses": {"200": {"description": "The token's owner",
                "content": {"application/json": {"schema": {"type": "object", "required": ["kind", "id"],
                  "properties": {"kind": {"enum": ["partner_live", "partner_sandbox", "moderator", "operator"]}, "id": {"type": "string"}}}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}}}},
            "/v1/events": {"get": {"summary": "The events that produce notifications, with their variables", "operationId": "events",
              "security": [{"bearer": []}],
              "responses": {"200": {"description": "The catalog",
                "content": {"application/json": {"schema": {"type": "object", "properties": {"events": {"type": "array",
                  "items": {"type": "object", "required": ["name", "description", "schema", "sample"]}}}}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}}}},
            "/v1/templates": {
              "get": {"summary": "The partner's templates", "operationId": "listTemplates", "security": [{"bearer": []}],
                "responses": {"200": {"description": "Templates with their versions",
                  "content": {"application/json": {"schema": {"type": "object", "properties": {"templates": {"type": "array",
                    "items": {"$ref": "#/components/schemas/Template"}}}}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}}},
              "post": {"summary": "Create a template as a draft, checked against its event", "operationId": "createTemplate",
                "security": [{"bearer": []}],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 255}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                  "required": ["event", "channel", "name", "content"],
                  "properties": {"event": {"type": "string"}, "channel": {"enum": ["email", "sms", "viber", "vk"]},
                    "name": {"type": "string"},
                    "content": {"type": "object", "description": "subject, html and optionally text for e-mail; body for the others",
                      "additionalProperties": {"type": "string"}}}}}}},
                "responses": {"201": {"description": "The template, with the checker's diagnostics",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Template"}}}},
                  "400": {"description": "Malformed JSON", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "422": {"description": "Invalid fields", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}},
            "/v1/templates/{id}/preview": {"post": {"summary": "The composed message with sample data (or the given data)",
              "operationId": "previewTemplate", "security": [{"bearer": []}],
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object",
                "properties": {"data": {"type": "object"}}}}}},
              "responses": {"200": {"description": "subject, html, text, sms (encoding, units, parts) and diagnostics",
                "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "404": {"description": "No such template of this partner"}}}},
            "/v1/templates/{id}": {"get": {"summary": "One of the partner's templates", "operationId": "getTemplate",
              "security": [{"bearer": []}],
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "responses": {"200": {"description": "The template", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Template"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "404": {"description": "No such template of this partner",
                  "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}}
          }
        }
        """
}
