{{/* Where the node finds what the pod mounts; the test maps these paths to temp folders. */}}
{{- define "wfx.paths" -}}
profile: /etc/wfx/profile
callerPolicy: /etc/wfx/caller-policy
tokens: /etc/wfx/tokens
natsCreds: /etc/wfx/nats-creds
natsTls: /etc/wfx/nats-tls
gatewayTls: /etc/wfx/gateway-tls
data: /var/lib/wfx
{{- end -}}

{{/* `wfx node` flags: the profile, the drain grace, tokens and TLS where gateways are served, the caller policy. */}}
{{- define "wfx.args" -}}
{{- $root := .root -}}{{- $pool := .pool -}}
{{- $paths := include "wfx.paths" . | fromYaml -}}
- node
- --profile
- {{ $paths.profile }}/profile.yaml
- --grace
- {{ $pool.graceSeconds | quote }}
- --caller-policy
- {{ printf "%s/%s" $paths.callerPolicy $root.Values.callerPolicy.key | quote }}
{{- if include "wfx.servesGateways" $pool }}
- --tokens
- {{ printf "%s/%s" $paths.tokens $root.Values.apiTokens.key | quote }}
{{- if $root.Values.gatewayTls.existingSecret }}
- --tls-cert
- {{ $paths.gatewayTls }}/tls.crt
- --tls-key
- {{ $paths.gatewayTls }}/tls.key
{{- end }}
{{- end }}
{{- range $pool.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end -}}

{{/* The WFX_* variables `wfx node` reads (src/config/node-profile-env.ts, src/gateway/gateway-options.ts). */}}
{{- define "wfx.env" -}}
{{- $root := .root -}}{{- $pool := .pool -}}
{{- $paths := include "wfx.paths" . | fromYaml -}}
{{- $auth := $root.Values.nats.auth -}}
{{- $fullname := include "wfx.fullname" $root -}}
- name: WFX_NODE_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- with $pool.tags }}
- name: WFX_NODE_TAGS
  value: {{ join "," . | quote }}
{{- end }}
{{- with $pool.nodeResources }}
{{- $pairs := list }}
{{- range $name, $amount := . }}{{ $pairs = append $pairs (printf "%s=%s" $name (include "wfx.number" $amount)) }}{{ end }}
- name: WFX_NODE_RESOURCES
  value: {{ join "," $pairs | quote }}
{{- end }}
- name: WFX_NODE_CAPACITY
  value: {{ printf "executions=%d,steps=%d%s" (int $pool.capacity.executions) (int $pool.capacity.steps) (ternary (printf ",queued=%d" (int $pool.capacity.queued)) "" (hasKey $pool.capacity "queued")) | quote }}
{{- if include "wfx.servesGateways" $pool }}
- name: WFX_NODE_GATEWAYS
  value: {{ ternary "http,grpc" "http" (hasKey $pool.gateways "grpc") | quote }}
- name: WFX_HTTP_PORT
  value: {{ include "wfx.httpPort" $pool | quote }}
{{- if hasKey $pool.gateways "grpc" }}
- name: WFX_GRPC_PORT
  value: {{ int (dig "port" 50051 $pool.gateways.grpc) | quote }}
{{- end }}
{{- else }}
{{- /* No gateway, not even on loopback: the kubelet reads /health and /ready on the probe port, which serves nothing else. */}}
- name: WFX_NODE_GATEWAYS
  value: "none"
- name: WFX_PROBE_PORT
  value: {{ int $pool.probe.port | quote }}
{{- end }}
- name: WFX_NATS_URL
  value: {{ join "," (kindIs "string" $root.Values.nats.url | ternary (list $root.Values.nats.url) $root.Values.nats.url) | quote }}
{{- if $root.Values.clusterKey.insecure }}
- name: WFX_INSECURE_CLUSTER
  value: "true"
{{- else }}
- name: WFX_CLUSTER_KEYS
  valueFrom:
    secretKeyRef: { name: {{ default (printf "%s-cluster-key" $fullname) $root.Values.clusterKey.existingSecret | quote }}, key: {{ $root.Values.clusterKey.key | quote }} }
{{- end }}
{{- if eq $auth.type "userPassword" }}
- name: WFX_NATS_USER
  valueFrom:
    secretKeyRef: { name: {{ $auth.existingSecret | quote }}, key: {{ $auth.userKey | quote }} }
- name: WFX_NATS_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ $auth.existingSecret | quote }}, key: {{ $auth.passwordKey | quote }} }
{{- else if eq $auth.type "token" }}
- name: WFX_NATS_TOKEN
  valueFrom:
    secretKeyRef: { name: {{ $auth.existingSecret | quote }}, key: {{ $auth.tokenKey | quote }} }
{{- else if eq $auth.type "creds" }}
- name: WFX_NATS_CREDS
  value: {{ printf "%s/%s" $paths.natsCreds $auth.credsKey | quote }}
{{- end }}
- name: WFX_DATA_DIR
  value: {{ $paths.data }}
{{- if or $root.Values.workflows.existingConfigMap $root.Values.workflows.files $root.Values.workflows.volume }}
- name: WFX_WORKFLOWS
  value: {{ $root.Values.workflows.mountPath | quote }}
{{- end }}
- name: WFX_LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: WFX_STORE_REPLICAS
  value: {{ $root.Values.store.replicas | int | quote }}
{{- with $root.Values.clusterLimits }}
{{- $pairs := list }}
{{- range $tag, $limit := . }}{{ $pairs = append $pairs (printf "%s=%d" $tag (int $limit)) }}{{ end }}
- name: WFX_CLUSTER_LIMITS
  value: {{ join "," $pairs | quote }}
{{- end }}
{{- with $pool.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* /ready and /health: on the http gateway where one is served, else on the probe port (nothing else, no auth). */}}
{{- define "wfx.probe" -}}
{{- $pool := .pool -}}
{{- if include "wfx.servesGateways" $pool }}
httpGet:
  path: {{ .path }}
  port: http
  scheme: {{ ternary "HTTPS" "HTTP" (not (empty .root.Values.gatewayTls.existingSecret)) }}
{{- else }}
httpGet:
  path: {{ .path }}
  port: probe
  scheme: HTTP
{{- end }}
{{- end -}}

{{- define "wfx.volumeMounts" -}}
{{- $root := .root -}}{{- $pool := .pool -}}
{{- $paths := include "wfx.paths" . | fromYaml -}}
- { name: profile, mountPath: {{ $paths.profile }}, readOnly: true }
- { name: caller-policy, mountPath: {{ $paths.callerPolicy }}, readOnly: true }
{{- if include "wfx.servesGateways" $pool }}
- { name: api-tokens, mountPath: {{ $paths.tokens }}, readOnly: true }
{{- if $root.Values.gatewayTls.existingSecret }}
- { name: gateway-tls, mountPath: {{ $paths.gatewayTls }}, readOnly: true }
{{- end }}
{{- end }}
{{- if eq $root.Values.nats.auth.type "creds" }}
- { name: nats-creds, mountPath: {{ $paths.natsCreds }}, readOnly: true }
{{- end }}
{{- if $root.Values.nats.tls.enabled }}
- { name: nats-tls, mountPath: {{ $paths.natsTls }}, readOnly: true }
{{- end }}
{{- if or $root.Values.workflows.existingConfigMap $root.Values.workflows.files $root.Values.workflows.volume }}
- { name: workflows, mountPath: {{ $root.Values.workflows.mountPath | quote }}, readOnly: true }
{{- end }}
- { name: data, mountPath: {{ $paths.data }} }
- { name: tmp, mountPath: /tmp }
{{- with $pool.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "wfx.volumes" -}}
{{- $root := .root -}}{{- $pool := .pool -}}
{{- $fullname := include "wfx.fullname" $root -}}
- name: profile
  configMap: { name: {{ printf "%s-profile" (include "wfx.poolFullname" .) }} }
- name: caller-policy
  configMap: { name: {{ default (printf "%s-caller-policy" $fullname) $root.Values.callerPolicy.existingConfigMap | quote }} }
{{- if include "wfx.servesGateways" $pool }}
- name: api-tokens
  secret: { secretName: {{ default (printf "%s-api-tokens" $fullname) $root.Values.apiTokens.existingSecret | quote }}, defaultMode: 0440 }
{{- if $root.Values.gatewayTls.existingSecret }}
- name: gateway-tls
  secret: { secretName: {{ $root.Values.gatewayTls.existingSecret | quote }}, defaultMode: 0440 }
{{- end }}
{{- end }}
{{- if eq $root.Values.nats.auth.type "creds" }}
- name: nats-creds
  secret: { secretName: {{ $root.Values.nats.auth.existingSecret | quote }}, defaultMode: 0440 }
{{- end }}
{{- if $root.Values.nats.tls.enabled }}
- name: nats-tls
  secret: { secretName: {{ $root.Values.nats.tls.existingSecret | quote }}, defaultMode: 0440 }
{{- end }}
{{- with $root.Values.workflows }}
{{- if .existingConfigMap }}
- name: workflows
  configMap: { name: {{ .existingConfigMap | quote }} }
{{- else if .files }}
- name: workflows
  configMap: { name: {{ printf "%s-workflows" $fullname }} }
{{- else if .volume }}
- name: workflows
{{ toYaml .volume | indent 2 }}
{{- end }}
{{- end }}
{{- if not $pool.persistence.enabled }}
- name: data
  emptyDir: {}
{{- end }}
- name: tmp
  emptyDir: {}
{{- with $pool.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pod: one wfx container, non-root on a read-only root, with checksums so a changed profile rolls the pods. */}}
{{- define "wfx.podTemplate" -}}
{{- $root := .root -}}{{- $pool := .pool -}}
{{- $serves := include "wfx.servesGateways" $pool -}}
metadata:
  labels:
    {{- include "wfx.selectorLabels" . | nindent 4 }}
    {{- with $pool.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/profile: {{ include "wfx.profile" . | sha256sum }}
    checksum/caller-policy: {{ toYaml $root.Values.callerPolicy.policy | sha256sum }}
    {{- with $root.Values.workflows.files }}
    checksum/workflows: {{ toYaml . | sha256sum }}
    {{- end }}
    {{- if and $serves $root.Values.metrics.annotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ include "wfx.httpPort" $pool | quote }}
    prometheus.io/path: /metrics
    prometheus.io/scheme: {{ ternary "https" "http" (not (empty $root.Values.gatewayTls.existingSecret)) }}
    {{- end }}
    {{- with $pool.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "wfx.serviceAccountName" $root }}
  # The node never calls the Kubernetes API.
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: {{ add (int $pool.graceSeconds) (int $pool.terminationMarginSeconds) }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $pool.podSecurityContext | nindent 4 }}
  containers:
    - name: wfx
      image: {{ printf "%s:%s" $root.Values.image.repository (default $root.Chart.AppVersion $root.Values.image.tag) | quote }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args:
        {{- include "wfx.args" . | nindent 8 }}
      env:
        {{- include "wfx.env" . | nindent 8 }}
      ports:
      {{- if $serves }}
        - { name: http, containerPort: {{ include "wfx.httpPort" $pool }}, protocol: TCP }
        {{- if hasKey $pool.gateways "grpc" }}
        - { name: grpc, containerPort: {{ int (dig "port" 50051 $pool.gateways.grpc) }}, protocol: TCP }
        {{- end }}
      {{- else }}
        - { name: probe, containerPort: {{ int $pool.probe.port }}, protocol: TCP }
      {{- end }}
      startupProbe:
        {{- include "wfx.probe" (dict "root" $root "pool" $pool "path" "/health") | trim | nindent 8 }}
        periodSeconds: 2
        timeoutSeconds: 5
        failureThreshold: 30
      livenessProbe:
        {{- include "wfx.probe" (dict "root" $root "pool" $pool "path" "/health") | trim | nindent 8 }}
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      readinessProbe:
        {{- include "wfx.probe" (dict "root" $root "pool" $pool "path" "/ready") | trim | nindent 8 }}
        periodSeconds: 5
        timeoutSeconds: 5
        failureThreshold: 2
      resources:
        {{- toYaml $pool.resources | nindent 8 }}
      securityContext:
        {{- toYaml $pool.securityContext | nindent 8 }}
      volumeMounts:
        {{- include "wfx.volumeMounts" . | nindent 8 }}
  volumes:
    {{- include "wfx.volumes" . | nindent 4 }}
  {{- with $pool.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $pool.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $pool.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- include "wfx.topologySpread" . | nindent 2 }}
{{- end -}}
