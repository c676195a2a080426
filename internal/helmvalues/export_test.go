package helmvalues

import (
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-gitops/stagehand/internal/source"
)

func documents(data []byte) ([]*yaml.Node, error) { return source.Documents("values.yaml", data) }
