{{/* Chart name, shortened to the 63 characters a label value may have. */}}
{{- define "empathybot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Resource name prefix: fullnameOverride, else <release>-<chart>, or the release name alone
when it already contains the chart name. Kept to 52 characters so suffixes such as
"-scheduler" and "-migrate" still fit in 63.
*/}}
{{- define "empathybot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "empathybot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object of the release. */}}
{{- define "empathybot.labels" -}}
helm.sh/chart: {{ include "empathybot.chart" . }}
{{ include "empathybot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: empathybot
{{- end }}

{{/* Labels that select the release's pods; add app.kubernetes.io/component per workload. */}}
{{- define "empathybot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "empathybot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The image reference; the tag defaults to the chart's appVersion. */}}
{{- define "empathybot.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}

{{/* The Secret holding the bot's secret settings: an existing one, or the chart's. */}}
{{- define "empathybot.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "empathybot.fullname" . }}
{{- end }}
{{- end }}

{{/* Pod-level security: a fixed non-root user (the image's uid 10001). */}}
{{- define "empathybot.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level security: read-only root, no privilege escalation, no capabilities. */}}
{{- define "empathybot.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop:
    - ALL
{{- end }}

{{/* The writable /tmp every container mounts (matplotlib's cache lives there). */}}
{{- define "empathybot.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if .Values.supportResources }}
- name: support
  configMap:
    name: {{ include "empathybot.fullname" . }}-support
{{- end }}
{{- end }}

{{- define "empathybot.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.supportResources }}
- name: support
  mountPath: /etc/empathybot
  readOnly: true
{{- end }}
{{- end }}

{{/* Settings of the long-running pods: the ConfigMap, then the Secret. */}}
{{- define "empathybot.envFrom" -}}
- configMapRef:
    name: {{ include "empathybot.fullname" . }}
- secretRef:
    name: {{ include "empathybot.secretName" . }}
{{- end }}

{{/* Scheduling constraints and pod options shared by every workload. */}}
{{- define "empathybot.podOptions" -}}
automountServiceAccountToken: false
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Health probes on the container port: readiness needs the database, liveness does not. */}}
{{- define "empathybot.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 15
  timeoutSeconds: 5
  failureThreshold: 4
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
{{- end }}
