// Every pinned upstream version the program deploys, in one place, so that an upgrade is one
// reviewed line and the preview shows what it touches. Each chart pinned here has its vendored
// copy in ../shared/reference/charts/<chart>-<version>, which the tests render with the real
// helm: a pin without its chart fails the tests, so versions and charts move together.
export const versions = {
    /**
     * storm-webdav from the StoRM stable repository for EL9 (Java 17: storm-webdav.spec:24), locked
     * there by dnf's versionlock plugin. 1.9.0 is the newest release whose spec, unit, drop-in,
     * application.yml and Dockerfile can be read to check what the node writes; 1.10 and 1.11
     * (Java 21) cannot, so they are not deployed blind.
     */
    stormWebdavRpm: "1.9.0-1.el9",
    /** The same release as a container image (pushed per tag by .github/workflows/docker-image.yaml). */
    stormWebdavImage: "ghcr.io/italiangrid/storm-webdav:v1.9.0",
    /**
     * Rucio 40.4.1, the newest 40.x release (rucio/rucio tags), for the 40.0.0 charts. Images are
     * tagged release-<version> (rucio/containers .github/workflows/docker-auto-build.yml,
     * prepend-release); the web UI is released on its own (containers tag webui-40.2.0).
     */
    rucio: "40.4.1",
    rucioServerImage: "rucio/rucio-server",
    rucioDaemonsImage: "rucio/rucio-daemons",
    rucioInitImage: "rucio/rucio-init",
    rucioWebuiImage: "rucio/rucio-webui",
    rucioWebui: "40.2.0",
    /**
     * PostgreSQL 16 (the cluster chart's default major) in CloudNativePG's `system` image, the one
     * flavour that still carries the Barman Cloud tools the in-tree backups run
     * (cloudnative-pg/postgres-containers@a949ae58:README.md "System Images"); `MM.mm-TYPE-OS` is the
     * tag upstream recommends (same README, "Recommendation"; docker-bake.hcl:74-78, 16.15 at :27).
     */
    postgresImage: "ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie",
    /** The busybox that tails the Rucio server's Apache error log (the chart's default is busybox:latest). */
    logTailImage: "busybox:1.37.0",
    /**
     * The notebook image: JupyterLab, the Rucio clients and rucio-jupyterlab (chosen and explained
     * in docs/jupyterhub.md, "The notebook image"): built from images/notebook/Dockerfile (minimal-notebook
     * 2026-08-24, rucio-clients 40.4.1, rucio-jupyterlab 40.0.2), the tag naming its pins.
     */
    notebookImage: "ghcr.io/srcnet-site/notebook:2026-08-24-rucio-40.4.1-rjl-40.0.2",
} as const;

export interface ChartPin {
    readonly chart: string;
    readonly version: string;
    /** The Helm repository `pulumi up` installs it from. */
    readonly repo: string;
    /**
     * The Kubernetes releases the chart supports, as a Helm constraint: its Chart.yaml kubeVersion
     * (a test compares them), or where the chart declares none, what upstream builds and tests it
     * for. A site's Kubernetes release outside it is a config problem.
     */
    readonly kubeVersion?: string;
}

export const charts = {
    /** Traefik Proxy v3.7.11, the site's ingress controller (ingress-nginx was retired in March 2026). */
    traefik: { chart: "traefik", version: "41.3.0", repo: "https://traefik.github.io/charts", kubeVersion: ">=1.25.0-0" },
    /** cert-manager and its controller, with the fixes for GHSA-gx3x-vq4p-mhhv and CVE-2026-24051. */
    certManager: { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io", kubeVersion: ">= 1.22.0-0" },
    /**
     * azimuth-cloud capi-helm-charts openstack-cluster: Cluster API v1.13, CAPO v0.14 in the
     * management cluster (its dependencies.json). Its Chart.yaml has no kubeVersion; its CI builds
     * and tests workload clusters of Kubernetes 1.33 to 1.36 (.github/workflows/ensure-capi-images.yaml).
     */
    openstackCluster: { chart: "openstack-cluster", version: "0.27.0", repo: "https://azimuth-cloud.github.io/capi-helm-charts", kubeVersion: ">=1.33.0-0 <1.37.0-0" },
    /**
     * Rucio's charts (rucio/helm-charts, one commit for all three): apiVersion v1 charts without a
     * kubeVersion, whose CI only lints them (its install step is disabled: .github/workflows/lint-test.yml);
     * their templates emit only APIs a cluster serves from 1.19 on (networking.k8s.io/v1 Ingress, batch/v1 CronJob).
     */
    rucioServer: { chart: "rucio-server", version: "40.0.0", repo: "https://rucio.github.io/helm-charts", kubeVersion: ">=1.19.0-0" },
    rucioDaemons: { chart: "rucio-daemons", version: "40.0.0", repo: "https://rucio.github.io/helm-charts", kubeVersion: ">=1.19.0-0" },
    rucioWebui: { chart: "rucio-webui", version: "40.0.0", repo: "https://rucio.github.io/helm-charts", kubeVersion: ">=1.19.0-0" },
    /** The CloudNativePG operator 1.30.0 and the chart of one PostgreSQL cluster it runs. */
    cloudnativePg: { chart: "cloudnative-pg", version: "0.29.0", repo: "https://cloudnative-pg.github.io/charts", kubeVersion: ">=1.29.0-0" },
    postgresCluster: { chart: "cluster", version: "0.8.1", repo: "https://cloudnative-pg.github.io/charts", kubeVersion: ">=1.29.0-0" },
    /** zero-to-jupyterhub 4.4.0 (JupyterHub 5.5.0; Chart.yaml appVersion and kubeVersion). */
    jupyterhub: { chart: "jupyterhub", version: "4.4.0", repo: "https://hub.jupyter.org/helm-chart/", kubeVersion: ">=1.28.0-0" },
} as const satisfies Record<string, ChartPin>;

/**
 * The charts whose Kubernetes support a cluster the site builds must be within: what the site
 * installs on it, and openstack-cluster, which builds it (Magnum's Cluster API driver deploys
 * the same chart, at the version the cloud's operators choose).
 */
export const clusterCharts: readonly ChartPin[] = [
    charts.traefik,
    charts.certManager,
    charts.openstackCluster,
    charts.rucioServer,
    charts.rucioDaemons,
    charts.rucioWebui,
    charts.cloudnativePg,
    charts.postgresCluster,
    charts.jupyterhub,
];

/** Package repositories the storage node installs from. */
export const repositories = {
    stormStable: "https://repo.cloud.cnaf.infn.it/repository/storm-rpm-stable/redhat9/",
    egiTrustAnchors: "https://repository.egi.eu/sw/production/cas/1/current/",
    egiTrustAnchorsKey: "https://repository.egi.eu/sw/production/cas/1/current/GPG-KEY-EUGridPMA-RPM-4R1",
    epelBaseUrl: "https://dl.fedoraproject.org/pub/epel/9/Everything/$basearch/",
    epelMetalink: "https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=$basearch",
    epelKey: "https://dl.fedoraproject.org/pub/epel/RPM-GPG-KEY-EPEL-9",
} as const;
