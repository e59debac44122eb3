// The ports a site's services listen on; the security groups and every URL derive from these.
export const ports = {
    ssh: 22,
    /** ACME HTTP-01 challenges (certbot on the storage VM, cert-manager through the ingress). */
    http: 80,
    https: 443,
    /** StoRM-WebDAV over TLS: the public data endpoint. */
    webdav: 8443,
    /** StoRM-WebDAV plain HTTP: health and metrics, reachable only inside the site. */
    stormHealth: 8085,
    nfs: 2049,
    /** PostgreSQL, as CloudNativePG's services offer it (cloudnative-pg@v1.30.0:pkg/postgres/configuration.go:247). */
    postgres: 5432,
} as const;
