package charts

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// serviceMonitor is the part of the Prometheus operator's ServiceMonitor
// (monitoring.coreos.com/v1) the chart renders; decoding strictly into it
// catches a misspelt field as the operator's CRD validation would.
type serviceMonitor struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Interval      string `json:"interval"`
			ScrapeTimeout string `json:"scrapeTimeout"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// prometheusRule is the part of monitoring.coreos.com/v1 PrometheusRule the
// chart renders.
type prometheusRule struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				For         string            `json:"for,omitempty"`
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	} `json:"spec"`
}

// rendered holds the objects of one helm template run, by kind.
type rendered struct {
	deployments     []appsv1.Deployment
	services        []corev1.Service
	serviceAccounts []corev1.ServiceAccount
	configMaps      []corev1.ConfigMap
	secrets         []corev1.Secret
	ingresses       []networkingv1.Ingress
	networkPolicies []networkingv1.NetworkPolicy
	pdbs            []policyv1.PodDisruptionBudget
	serviceMonitors []serviceMonitor
	prometheusRules []prometheusRule
	// docs are the documents as rendered, for text searches.
	docs []string
}

// decodeAll decodes every document strictly into the type of its
// apiVersion and kind; an unknown kind or an unknown field fails.
func decodeAll(tb testing.TB, docs []string) *rendered {
	tb.Helper()
	r := &rendered{docs: docs}
	for _, doc := range docs {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			tb.Fatalf("decode type of:\n%s\n%v", doc, err)
		}
		if err := r.add(tm, []byte(doc)); err != nil {
			tb.Fatalf("%s %s: %v\n%s", tm.APIVersion, tm.Kind, err, doc)
		}
	}
	return r
}

func (r *rendered) add(tm metav1.TypeMeta, doc []byte) error {
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		return strict(doc, &r.deployments)
	case "v1 Service":
		return strict(doc, &r.services)
	case "v1 ServiceAccount":
		return strict(doc, &r.serviceAccounts)
	case "v1 ConfigMap":
		return strict(doc, &r.configMaps)
	case "v1 Secret":
		return strict(doc, &r.secrets)
	case "networking.k8s.io/v1 Ingress":
		return strict(doc, &r.ingresses)
	case "networking.k8s.io/v1 NetworkPolicy":
		return strict(doc, &r.networkPolicies)
	case "policy/v1 PodDisruptionBudget":
		return strict(doc, &r.pdbs)
	case "monitoring.coreos.com/v1 ServiceMonitor":
		return strict(doc, &r.serviceMonitors)
	case "monitoring.coreos.com/v1 PrometheusRule":
		return strict(doc, &r.prometheusRules)
	}
	return fmt.Errorf("no type known for this kind")
}

// strict decodes doc into a new element of *list, refusing unknown fields.
func strict[T any](doc []byte, list *[]T) error {
	var v T
	if err := yaml.UnmarshalStrict(doc, &v); err != nil {
		return err
	}
	*list = append(*list, v)
	return nil
}

// one returns the only element of list, failing unless there is exactly one.
func one[T any](tb testing.TB, what string, list []T) T {
	tb.Helper()
	if len(list) != 1 {
		tb.Fatalf("%d %s rendered, want 1", len(list), what)
	}
	return list[0]
}
