/** fedscope's version, used as the instrumentation scope version of its tracer and meter. */
export const FEDSCOPE_VERSION = '0.1.0';
