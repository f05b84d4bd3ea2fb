{{/* Names are DNS labels; a release name may hold dots, which a node id may not, so they become '-'. */}}
{{- define "wfx.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" | replace "." "-" -}}
{{- end -}}

{{- define "wfx.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" | replace "." "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" | replace "." "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" | replace "." "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A pool's workload name; 52 characters leave room for a StatefulSet's pod suffix and revision label. */}}
{{- define "wfx.poolFullname" -}}
{{- printf "%s-%s" (include "wfx.fullname" .root) .pool.name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "wfx.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "wfx.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "wfx.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wfx.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .pool.name }}
{{- end -}}

{{- define "wfx.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "wfx.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
A pool with poolDefaults under it, written into .out (a dict passed by reference keeps the values' own types):
a key the pool sets replaces the default's, and where both are maps they merge one level deep. hasKey, not
emptiness, decides, so `enabled: false` and `replicas: 0` hold.
*/}}
{{- define "wfx.mergePool" -}}
{{- $defaults := .root.Values.poolDefaults -}}
{{- range $key, $value := $defaults }}{{ $_ := set $.out $key $value }}{{ end -}}
{{- range $key, $value := .pool -}}
{{- $default := get $defaults $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $default) -}}
{{- $merged := dict -}}
{{- range $k, $v := $default }}{{ $_ := set $merged $k $v }}{{ end -}}
{{- range $k, $v := $value }}{{ $_ := set $merged $k $v }}{{ end -}}
{{- $_ := set $.out $key $merged -}}
{{- else -}}
{{- $_ := set $.out $key $value -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The enabled pools, merged, as a list in .out.pools; checks what the schema cannot say. */}}
{{- define "wfx.pools" -}}
{{- $seen := dict -}}
{{- $pools := list -}}
{{- range $index, $raw := .root.Values.pools -}}
{{- if hasKey $seen $raw.name -}}
{{- fail (printf "pools[%d]: a second pool named '%s': pool names must be unique (they name the workloads and the node ids)" $index $raw.name) -}}
{{- end -}}
{{- $_ := set $seen $raw.name true -}}
{{- $full := include "wfx.poolFullname" (dict "root" $.root "pool" $raw) -}}
{{- if hasKey $seen (printf "full:%s" $full) -}}
{{- fail (printf "pools[%d] (%s): its workload name %s, cut to 52 characters, is another pool's: shorten the release or pool names" $index $raw.name $full) -}}
{{- end -}}
{{- $_ := set $seen (printf "full:%s" $full) true -}}
{{- $pool := dict -}}
{{- include "wfx.mergePool" (dict "root" $.root "pool" $raw "out" $pool) -}}
{{- if kindIs "map" $pool.gateways -}}
{{- $gw := $pool.gateways -}}
{{- if and (hasKey $gw "grpc") (not (hasKey $gw "http")) -}}
{{- fail (printf "pools[%d] (%s): gateways has grpc without http: the probes read /ready and /health over http, so serve it too (gateways: { http: { port: 4020 }, grpc: { port: 50051 } })" $index $raw.name) -}}
{{- end -}}
{{- if and (hasKey $gw "mcp") (not (hasKey $gw "http")) -}}
{{- fail (printf "pools[%d] (%s): gateways has mcp without http: MCP is served on the http gateway" $index $raw.name) -}}
{{- end -}}
{{- if and (hasKey $gw "http") (hasKey $gw "grpc") (eq (int (dig "port" 4020 $gw.http)) (int (dig "port" 50051 $gw.grpc))) -}}
{{- fail (printf "pools[%d] (%s): http and grpc cannot share port %d" $index $raw.name (int (dig "port" 4020 $gw.http))) -}}
{{- end -}}
{{- end -}}
{{- if $pool.enabled -}}
{{- $pools = append $pools $pool -}}
{{- end -}}
{{- end -}}
{{- $_ := set .out "pools" $pools -}}
{{- $wf := .root.Values.workflows -}}
{{- $sources := 0 -}}
{{- if $wf.existingConfigMap }}{{ $sources = add1 $sources }}{{ end -}}
{{- if $wf.files }}{{ $sources = add1 $sources }}{{ end -}}
{{- if $wf.volume }}{{ $sources = add1 $sources }}{{ end -}}
{{- if gt $sources 1 -}}
{{- fail "workflows: set one of existingConfigMap, files and volume, not several" -}}
{{- end -}}
{{- $auth := .root.Values.nats.auth -}}
{{- if and (ne $auth.type "none") (not $auth.existingSecret) -}}
{{- fail (printf "nats.auth.type is %s but nats.auth.existingSecret is empty: name the Secret holding the credentials" $auth.type) -}}
{{- end -}}
{{- if and .root.Values.nats.tls.enabled (not .root.Values.nats.tls.existingSecret) -}}
{{- fail "nats.tls.enabled is true but nats.tls.existingSecret is empty: name the Secret holding ca.crt (and tls.crt, tls.key)" -}}
{{- end -}}
{{- end -}}

{{/* Does the pool serve gateways on the pod network (else it serves only /health and /ready, on its probe port)? */}}
{{- define "wfx.servesGateways" -}}
{{- if and (kindIs "map" .gateways) (hasKey .gateways "http") }}true{{ end -}}
{{- end -}}

{{/* The http gateway's port, of a pool that serves gateways. */}}
{{- define "wfx.httpPort" -}}
{{- int (dig "port" 4020 .gateways.http) -}}
{{- end -}}

{{/* A numeric resource as WFX_NODE_RESOURCES reads it: whole numbers without exponent or fraction. */}}
{{- define "wfx.number" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) }}{{ int64 . }}{{ else }}{{ . }}{{ end -}}
{{- end -}}
