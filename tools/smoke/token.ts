// The checks' token: a client_credentials grant at the site IAM's token endpoint, the same grant
// the RSE registration makes to log in to a central Rucio (clientCredentialsGrant in
// components/rucio/rucio-api.ts), sent as every check's request is: one attempt, bounded by
// --timeout, through --dns-server's lookup. The client's secret and the token are never part of a
// message.
import { clientCredentialsGrant } from "../../components/rucio/rucio-api";
import type { TokenPlan } from "./plan";
import { probe, type Network } from "./net";

export interface IssuedToken {
    readonly token: string;
    /** The scope IAM granted, when it says. */
    readonly scope?: string;
    readonly expiresIn?: number;
}

export async function clientCredentialsToken(plan: TokenPlan, clientSecret: string, net: Network): Promise<IssuedToken> {
    const grant = await clientCredentialsGrant({ ...plan, clientSecret }, (req) => probe(net, { ...req, ca: plan.ca }), [clientSecret]);
    if (!grant.token) {
        throw new Error(
            `IAM's token endpoint ${plan.tokenUrl} refused a client_credentials token to client ${plan.clientId}: HTTP ${grant.status}${grant.error ? ` ${grant.error}` : ""}; check the client's secret (checksClientSecret) and that it may use client_credentials with the scope ${JSON.stringify(plan.scope)}`,
        );
    }
    return { token: grant.token, scope: grant.scope, expiresIn: grant.expiresIn };
}
