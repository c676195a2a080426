{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "stagehand.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, with the chart's unless it already holds it. */}}
{{- define "stagehand.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "stagehand.selectorLabels" -}}
app.kubernetes.io/name: {{ include "stagehand.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "stagehand.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "stagehand.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "stagehand.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "stagehand.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the App key and the webhook secrets. */}}
{{- define "stagehand.secretName" -}}
{{- default (include "stagehand.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/* The image: repository@digest when a digest pins it, else repository:tag. */}}
{{- define "stagehand.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Where the Secret is mounted; serve reads its keys as files. */}}
{{- define "stagehand.secretDir" -}}/etc/stagehand/secrets{{- end }}

{{/* Whether serve gets --registry-config. */}}
{{- define "stagehand.registryConfig" -}}
{{- if or .Values.serve.useRegistryConfig (and (not .Values.secret.existingSecret) .Values.secret.registryConfig) }}true{{ end }}
{{- end }}
