// Every pinned upstream version the program deploys, in one place, so that an upgrade is one
// reviewed line and the preview shows what it touches.
export const versions = {
    /** storm-webdav from the StoRM stable repository for EL9 (Java 17). */
    stormWebdavRpm: "1.8.1-1.el9",
    /** The same release as a container image. */
    stormWebdavImage: "ghcr.io/italiangrid/storm-webdav:v1.8.1",
    /**
     * ingress-nginx chart (controller 1.15.1): its last release. The project was retired in
     * March 2026; moving to a Gateway API implementation is future work.
     */
    ingressNginxChart: "4.15.1",
    /** cert-manager chart and controller. */
    certManagerChart: "v1.19.2",
    /** azimuth-cloud capi-helm-charts openstack-cluster (Cluster API v1.10, CAPO v0.11), as STFC Cloud pins it. */
    openstackClusterChart: "0.19.2",
} as const;

/** Helm repositories of those charts. */
export const chartRepositories = {
    ingressNginx: "https://kubernetes.github.io/ingress-nginx",
    certManager: "https://charts.jetstack.io",
    capi: "https://azimuth-cloud.github.io/capi-helm-charts",
} as const;

/** Package repositories the storage node installs from. */
export const repositories = {
    stormStable: "https://repo.cloud.cnaf.infn.it/repository/storm-rpm-stable/redhat9/",
    egiTrustAnchors: "https://repository.egi.eu/sw/production/cas/1/current/",
    egiTrustAnchorsKey: "https://repository.egi.eu/sw/production/cas/1/current/GPG-KEY-EUGridPMA-RPM-4R1",
    epelBaseUrl: "https://dl.fedoraproject.org/pub/epel/9/Everything/$basearch/",
    epelMetalink: "https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=$basearch",
    epelKey: "https://dl.fedoraproject.org/pub/epel/RPM-GPG-KEY-EPEL-9",
} as const;
