{{/* The pod of the migration Job and of the partitions CronJob: the API image running the server's
     migrate command as the owner role. Call with the root context. */}}
{{- define "analytics.migratePod" -}}
restartPolicy: Never
# No Kubernetes API access; the owner's URL comes from a Secret synced outside the chart. No service
# account of the chart either: a pre-install hook runs before the chart's own objects exist.
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
containers:
  - name: migrate
    image: {{ include "analytics.image" (dict "root" . "image" .Values.api.image) }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command: {{ toJson .Values.migrations.command }}
    securityContext:
      {{- toYaml .Values.containerSecurityContext | nindent 6 }}
    env:
      - name: NODE_ENV
        value: production
      - name: DATABASE_URL
        valueFrom:
          secretKeyRef:
            name: {{ .Values.migrations.secrets.existingSecret }}
            key: {{ .Values.migrations.secrets.databaseUrlKey }}
    resources:
      {{- toYaml .Values.migrations.resources | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
volumes:
  - name: tmp
    emptyDir: {}
{{- end -}}
