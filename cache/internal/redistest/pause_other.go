//go:build !unix

package redistest

// Pause skips the test: stopping a process needs SIGSTOP.
func (s *Server) Pause() { s.t.Skip("pausing redis-server needs SIGSTOP (unix)") }

// Resume does nothing where Pause cannot work.
func (s *Server) Resume() {}
