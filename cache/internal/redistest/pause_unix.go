//go:build unix

package redistest

import "syscall"

// Pause stops the server's process (SIGSTOP): it keeps its connections and
// port but answers nothing, as a hung host would, until Resume. A paused
// server is still stopped by Kill at the end of the test.
func (s *Server) Pause() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatal(err)
	}
}

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatal(err)
	}
}
