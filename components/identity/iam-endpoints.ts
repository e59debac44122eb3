// IAM's browser-facing endpoints, for clients that take them as URLs rather than by discovery
// (oauthenticator 17, the Rucio web UI). IAM builds them from its base URL
// (indigo-iam@v1.12.0:iam-login-service/src/main/java/it/infn/mw/iam/core/web/wellknown/IamWellKnownInfoProvider.java:50-51
// authorize and token, :129 userinfo, joined by buildEndpointUrl :144-150); the site names IAM by
// its issuer, which IAM's configuration defaults to the same URL (application.yml:97-98, iam.baseUrl
// and iam.issuer, both http://${iam.host}:8080), the trailing slash aside.

export interface IamEndpoints {
    readonly authorize: string;
    readonly token: string;
    readonly userinfo: string;
}

export function iamEndpoints(issuer: string): IamEndpoints {
    const base = issuer.replace(/\/+$/, "");
    return { authorize: `${base}/authorize`, token: `${base}/token`, userinfo: `${base}/userinfo` };
}
