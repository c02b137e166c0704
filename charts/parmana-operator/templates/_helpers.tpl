{{- define "parmana.name" -}}parmana-operator{{- end -}}

{{- define "parmana.fullname" -}}
{{- if contains "parmana-operator" .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else -}}{{ printf "%s-parmana-operator" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "parmana.labels" -}}
app.kubernetes.io/name: parmana-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "parmana.selectorLabels" -}}
app.kubernetes.io/name: parmana-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "parmana.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
