// JSON Schema of a whole stack file, Pulumi.<site>.yaml, generated from the zod schema so that
// editors (yaml-language-server) complete and check it. Written to config/site.schema.json.
import { z } from "zod";
import { siteSchema } from "../../config/schema";
import { secretKeys, secretKeyNames, siteKey } from "../../config/secrets";
import { projectName } from "../../config/validate";

type JsonSchema = Record<string, unknown>;

const secure: JsonSchema = {
    type: "object",
    description: "An encrypted value, written by `pulumi config set --secret`.",
    properties: { secure: { type: "string" } },
    required: ["secure"],
    additionalProperties: false,
};

/** The site object's schema as an editor sees it: defaults make keys optional. */
export function siteJsonSchema(): JsonSchema {
    const schema = z.toJSONSchema(siteSchema, { io: "input", target: "draft-2020-12" }) as JsonSchema;
    delete schema.$schema;
    return schema;
}

function secretKeySchema(name: (typeof secretKeyNames)[number]): JsonSchema {
    const spec = secretKeys[name];
    const description = `${spec.description} Needed when ${spec.neededWhen}. Set with: ${spec.setWith}`;
    if ("structured" in spec && spec.structured) {
        return { description, type: "object", additionalProperties: secure };
    }
    return spec.secret ? { ...secure, description } : { description, type: "string" };
}

export function stackFileSchema(): JsonSchema {
    const keyOf = (key: string) => `${projectName}:${key}`;
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title: "srcnet-site stack settings (Pulumi.<site>.yaml)",
        description: "One stack is one site. Generated from config/schema.ts by `npm run schema`; do not edit.",
        type: "object",
        properties: {
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
            config: {
                type: "object",
                properties: {
                    [keyOf(siteKey)]: siteJsonSchema(),
                    ...Object.fromEntries(secretKeyNames.map((name) => [keyOf(name), secretKeySchema(name)])),
                },
                required: [keyOf(siteKey)],
                // Other namespaces (pulumi:, openstack:) are free; an unknown key of this project is a typo.
                patternProperties: { [`^(?!${projectName}:)`]: {} },
                additionalProperties: false,
            },
        },
        required: ["config"],
    };
}
