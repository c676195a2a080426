package charts

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// secretDir is where the chart mounts the Secret, and the file names serve
// reads from it (the names `stagehand register` writes).
const (
	secretDir      = "/etc/stagehand/secrets"
	privateKeyFile = "private-key.pem"
	webhookFile    = "webhook-secret"
)

func TestRenderMinimal(t *testing.T) {
	r := decodeAll(t, render(t, valuesPath("minimal-values.yaml")))
	d := one(t, "Deployment", r.deployments)
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %d, want the default 2", *d.Spec.Replicas)
	}
	checkPod(t, r, d)
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "ghcr.io/stagehand-gitops/stagehand:0.1.0" {
		t.Errorf("image = %s, want the appVersion tag", img)
	}
	if len(r.ingresses)+len(r.serviceMonitors)+len(r.prometheusRules) != 0 {
		t.Errorf("ingress, ServiceMonitor or PrometheusRule rendered though not enabled")
	}
	one(t, "ServiceAccount", r.serviceAccounts)
	one(t, "NetworkPolicy", r.networkPolicies)
	one(t, "PodDisruptionBudget", r.pdbs)
}

func TestRenderHA(t *testing.T) {
	r := decodeAll(t, render(t, valuesPath("ha-values.yaml")))
	d := one(t, "Deployment", r.deployments)
	checkPod(t, r, d)
	spec := d.Spec.Template.Spec
	if *d.Spec.Replicas != 3 || spec.Affinity == nil || len(spec.Tolerations) != 1 ||
		len(spec.TopologySpreadConstraints) != 1 || spec.TopologySpreadConstraints[0].TopologyKey != "topology.kubernetes.io/zone" {
		t.Errorf("replicas, affinity, tolerations or topologySpreadConstraints not as given: %+v", spec)
	}
	c := spec.Containers[0]
	if !strings.HasSuffix(c.Image, "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") {
		t.Errorf("image %s is not pinned by the digest", c.Image)
	}
	if c.Resources.Requests.Memory().String() != "128Mi" {
		t.Errorf("resources not as given: %+v", c.Resources)
	}
	if env := envNamed(c.Env, "GOMEMLIMIT"); env == nil || env.Value != "200MiB" {
		t.Errorf("extraEnv GOMEMLIMIT missing: %+v", c.Env)
	}
	if len(c.EnvFrom) != 2 || c.EnvFrom[1].ConfigMapRef.Name != "proxy-settings" {
		t.Errorf("extraEnvFrom missing: %+v", c.EnvFrom)
	}
	if got := configData(t, r)["STAGEHAND_REGISTRY_CONFIG"]; got != secretDir+"/registry-config.json" {
		t.Errorf("STAGEHAND_REGISTRY_CONFIG = %q with secret.registryConfig set", got)
	}

	ing := one(t, "Ingress", r.ingresses)
	if len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != "stagehand-tls" || ing.Spec.TLS[0].Hosts[0] != "stagehand.example.com" {
		t.Errorf("ingress TLS = %+v", ing.Spec.TLS)
	}
	paths := ing.Spec.Rules[0].HTTP.Paths
	if len(paths) != 1 || paths[0].Path != "/webhooks" || paths[0].Backend.Service.Port.Name != "http" {
		t.Errorf("ingress routes %+v, want only /webhooks to port http", paths)
	}

	svc := one(t, "Service", r.services)
	sm := one(t, "ServiceMonitor", r.serviceMonitors)
	if !labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector %v does not select the Service %v", sm.Spec.Selector.MatchLabels, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "http" || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints = %+v", sm.Spec.Endpoints)
	}
	if sm.Metadata.Labels["release"] != "kube-prometheus-stack" {
		t.Errorf("ServiceMonitor labels = %v", sm.Metadata.Labels)
	}
	checkAlerts(t, one(t, "PrometheusRule", r.prometheusRules))
	checkDashboard(t, r)
	if pdb := one(t, "PodDisruptionBudget", r.pdbs); pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("PDB maxUnavailable = %v", pdb.Spec.MaxUnavailable)
	}
	np := one(t, "NetworkPolicy", r.networkPolicies)
	if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 2 {
		t.Errorf("NetworkPolicy ingress = %+v, want the two namespaces given", np.Spec.Ingress)
	}
}

func TestRenderExistingSecret(t *testing.T) {
	r := decodeAll(t, render(t, valuesPath("existing-secret-values.yaml")))
	d := one(t, "Deployment", r.deployments)
	checkPod(t, r, d)
	if len(r.secrets) != 0 {
		t.Errorf("%d Secrets rendered; existingSecret is given", len(r.secrets))
	}
	if len(r.serviceAccounts) != 0 || d.Spec.Template.Spec.ServiceAccountName != "platform-bots" {
		t.Errorf("service account: %d created, pod uses %q", len(r.serviceAccounts), d.Spec.Template.Spec.ServiceAccountName)
	}
	if _, ok := d.Spec.Template.Annotations["checksum/secret"]; ok {
		t.Error("checksum/secret annotation for a Secret the chart does not render")
	}
	if got := configData(t, r)["STAGEHAND_REGISTRY_CONFIG"]; got != secretDir+"/registry-config.json" {
		t.Errorf("STAGEHAND_REGISTRY_CONFIG = %q with serve.useRegistryConfig", got)
	}
	np := one(t, "NetworkPolicy", r.networkPolicies)
	if len(np.Spec.Egress) != 3 || np.Spec.Egress[1].Ports[0].Port.IntValue() != 5000 {
		t.Errorf("NetworkPolicy egress = %+v, want the rules given", np.Spec.Egress)
	}
}

// checkPod asserts what every install must hold: the security context,
// the probes, the Secret mounted as files that serve is pointed at, and no
// secret in a plain env value or anywhere but the Secret.
func checkPod(t *testing.T, r *rendered, d appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext = %+v", psc)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the service account token is mounted; Stagehand never calls the Kubernetes API")
	}
	c := one(t, "container", pod.Containers)
	sc := c.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Capabilities == nil ||
		!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("container securityContext = %+v", sc)
	}
	checkProbe(t, "liveness", c.LivenessProbe, "/healthz")
	checkProbe(t, "readiness", c.ReadinessProbe, "/readyz")
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports = %+v", c.Ports)
	}
	if c.Args[0] != "serve" {
		t.Errorf("args = %v, want serve first", c.Args)
	}
	checkSecretFiles(t, r, pod, c)
	checkNoPlainSecrets(t, r, c)
	checkSelectors(t, r, d)
}

func checkProbe(t *testing.T, name string, p *corev1.Probe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "http" {
		t.Errorf("%s probe = %+v, want GET %s on port http", name, p, path)
	}
}

// checkSecretFiles asserts the Secret is a read-only volume at secretDir
// and that serve's *_FILE variables name files of it.
func checkSecretFiles(t *testing.T, r *rendered, pod corev1.PodSpec, c corev1.Container) {
	t.Helper()
	var vol *corev1.Volume
	for i := range pod.Volumes {
		if pod.Volumes[i].Secret != nil {
			vol = &pod.Volumes[i]
		}
	}
	if vol == nil {
		t.Fatal("no Secret volume")
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || (m.Name == vol.Name && m.MountPath == secretDir && m.ReadOnly)
	}
	if !mounted {
		t.Errorf("Secret volume %s not mounted read-only at %s: %+v", vol.Name, secretDir, c.VolumeMounts)
	}
	cfg := configData(t, r)
	if cfg["STAGEHAND_PRIVATE_KEY_FILE"] != secretDir+"/"+privateKeyFile || cfg["STAGEHAND_WEBHOOK_SECRET_FILE"] != secretDir+"/"+webhookFile {
		t.Errorf("serve is pointed at %q and %q", cfg["STAGEHAND_PRIVATE_KEY_FILE"], cfg["STAGEHAND_WEBHOOK_SECRET_FILE"])
	}
	if cfg["STAGEHAND_APP_ID"] != "12345" {
		t.Errorf("STAGEHAND_APP_ID = %q", cfg["STAGEHAND_APP_ID"])
	}
	for _, s := range r.secrets {
		if s.Name != vol.Secret.SecretName {
			t.Errorf("Secret %s rendered, volume mounts %s", s.Name, vol.Secret.SecretName)
		}
		for _, key := range []string{privateKeyFile, webhookFile} {
			if len(s.Data[key]) == 0 {
				t.Errorf("Secret %s has no %s", s.Name, key)
			}
		}
	}
}

// checkNoPlainSecrets asserts that no env var carries a secret as a value,
// and that no secret value appears outside the Secret.
func checkNoPlainSecrets(t *testing.T, r *rendered, c corev1.Container) {
	t.Helper()
	sensitive := regexp.MustCompile(`SECRET|TOKEN|HMAC|KEY|PASSWORD`)
	for _, e := range c.Env {
		if sensitive.MatchString(e.Name) && !strings.HasSuffix(e.Name, "_FILE") && e.Value != "" {
			t.Errorf("env %s has a plain value", e.Name)
		}
	}
	for k, v := range configData(t, r) {
		if sensitive.MatchString(k) && !strings.HasSuffix(k, "_FILE") {
			t.Errorf("ConfigMap key %s = %q holds a secret", k, v)
		}
	}
	for _, s := range r.secrets {
		for key, v := range s.Data {
			for line := range strings.SplitSeq(strings.TrimSpace(string(v)), "\n") {
				for _, doc := range r.docs {
					if !strings.Contains(doc, "kind: Secret") && strings.Contains(doc, line) {
						t.Errorf("%s of Secret %s appears in a rendered object:\n%s", key, s.Name, doc)
					}
				}
			}
		}
	}
}

// checkSelectors asserts that the Service, the PDB and the NetworkPolicy
// select the Deployment's pods.
func checkSelectors(t *testing.T, r *rendered, d appsv1.Deployment) {
	t.Helper()
	pod := labels.Set(d.Spec.Template.Labels)
	if svc := one(t, "Service", r.services); !labels.SelectorFromSet(svc.Spec.Selector).Matches(pod) {
		t.Errorf("Service selector %v misses the pods %v", svc.Spec.Selector, pod)
	}
	for _, np := range r.networkPolicies {
		if !labels.SelectorFromSet(np.Spec.PodSelector.MatchLabels).Matches(pod) {
			t.Errorf("NetworkPolicy selects %v, not the pods", np.Spec.PodSelector.MatchLabels)
		}
	}
	for _, pdb := range r.pdbs {
		if !labels.SelectorFromSet(pdb.Spec.Selector.MatchLabels).Matches(pod) {
			t.Errorf("PDB selects %v, not the pods", pdb.Spec.Selector.MatchLabels)
		}
	}
}

func configData(t *testing.T, r *rendered) map[string]string {
	t.Helper()
	for _, cm := range r.configMaps {
		if _, ok := cm.Data["STAGEHAND_LISTEN"]; ok {
			return cm.Data
		}
	}
	t.Fatal("no ConfigMap with serve's settings")
	return nil
}

func envNamed(env []corev1.EnvVar, name string) *corev1.EnvVar {
	for i := range env {
		if env[i].Name == name {
			return &env[i]
		}
	}
	return nil
}

// repoFile reads a file of the repository, relative to its root.
func repoFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
