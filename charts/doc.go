// Package charts holds the tests of the Helm chart in charts/stagehand: the
// chart is linted, rendered with the example values of charts/stagehand/ci
// and every object it renders is decoded strictly into its Kubernetes type.
package charts
