/**
 * @since 0.1.0
 */
export * as StatusCode from "./StatusCode.js"
