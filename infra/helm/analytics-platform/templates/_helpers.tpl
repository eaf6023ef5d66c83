{{/* Chart name, truncated to the 63 characters Kubernetes allows in a label value. */}}
{{- define "analytics.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name; components append -api or -dashboard, so leave them room. */}}
{{- define "analytics.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "analytics.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "analytics.labels" -}}
{{ include "analytics.commonLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The labels besides the selector's, for pod templates that add the selector labels themselves (a
     label written twice is a duplicate YAML key, which strict clients reject). */}}
{{- define "analytics.commonLabels" -}}
helm.sh/chart: {{ include "analytics.chart" . }}
app.kubernetes.io/part-of: {{ include "analytics.name" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
analytics.example.com/environment: {{ .Values.environment }}
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "component" "api"). */}}
{{- define "analytics.selectorLabels" -}}
app.kubernetes.io/name: {{ include "analytics.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* A component's service account; call with (dict "root" $ "component" "api"). */}}
{{- define "analytics.serviceAccountName" -}}
{{- $account := index .root.Values.serviceAccount .component -}}
{{- if .root.Values.serviceAccount.create -}}
{{- default (printf "%s-%s" (include "analytics.fullname" .root) .component) $account.name -}}
{{- else -}}
{{- default "default" $account.name -}}
{{- end -}}
{{- end -}}

{{/* registry/repository@digest, or registry/repository:tag (tag defaulting to appVersion). */}}
{{- define "analytics.image" -}}
{{- $image := .image -}}
{{- if $image.digest -}}
{{- printf "%s/%s@%s" .root.Values.image.registry $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" .root.Values.image.registry $image.repository (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}
