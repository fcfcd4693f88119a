// Package identity checks that two packages declaring the same interface
// and method names, with different result types, never read each other's
// entries over one Cache (see identity_test.go). The packages are public
// and admin.
package identity
