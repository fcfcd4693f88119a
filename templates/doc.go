// Package templates emits the Go source of cached wrappers from the model
// built by package generator, with github.com/dave/jennifer. Each emitted
// construct has one small function, with the Go it emits shown above it.
package templates
