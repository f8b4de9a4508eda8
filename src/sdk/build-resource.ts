import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ResolvedConfig } from '../options/resolved-config.js';

/**
 * The SDK defaults, then `OTEL_RESOURCE_ATTRIBUTES` / `OTEL_SERVICE_NAME` (OTel's env detector),
 * then the options: later ones win.
 */
export function buildResource(config: ResolvedConfig): Resource {
  const fromOptions: Record<string, string | number | boolean> = { ...config.resourceAttributes };
  if (config.serviceName !== undefined) fromOptions[ATTR_SERVICE_NAME] = config.serviceName;
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(fromOptions));
}
