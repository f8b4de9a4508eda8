/** Every fedscope route but the Prometheus exposition lives under this path (reports, history, exports, dashboard). */
export const FEDSCOPE_ROUTE_PREFIX = '/fedscope';
