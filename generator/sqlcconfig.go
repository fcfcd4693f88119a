package generator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/cachegen/cachegen/generator/sqlcquery"
	"gopkg.in/yaml.v3"
)

// sqlcConfig is what cachegen reads of sqlc's configuration (version 1
// and 2): per package, its engine, schema and query files.
type sqlcConfig struct {
	SQL []struct {
		Engine  string    `yaml:"engine" json:"engine"`
		Schema  listOrOne `yaml:"schema" json:"schema"`
		Queries listOrOne `yaml:"queries" json:"queries"`
		Gen     struct {
			Go struct {
				Out string `yaml:"out" json:"out"`
			} `yaml:"go" json:"go"`
		} `yaml:"gen" json:"gen"`
	} `yaml:"sql" json:"sql"`
	Packages []struct {
		Path    string    `yaml:"path" json:"path"`
		Engine  string    `yaml:"engine" json:"engine"`
		Schema  listOrOne `yaml:"schema" json:"schema"`
		Queries listOrOne `yaml:"queries" json:"queries"`
	} `yaml:"packages" json:"packages"`
}

// listOrOne is a YAML or JSON value that is a string or a list of them.
type listOrOne []string

func (l *listOrOne) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = []string{n.Value}
		return nil
	}
	var list []string
	err := n.Decode(&list)
	*l = list
	return err
}

func (l *listOrOne) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	var list []string
	err := json.Unmarshal(b, &list)
	*l = list
	return err
}

// sqlcSetup is the engine, schema and queries of one package sqlc
// generates.
type sqlcSetup struct {
	config  string // the configuration file; "" when none was found
	engine  sqlcquery.Engine
	schema  []string // the schema files, directories expanded
	queries []string // the query files, directories expanded
	problem string   // why the configuration could not be read
}

var sqlcConfigNames = []string{"sqlc.yaml", "sqlc.yml", "sqlc.json"}

// findSqlcSetup looks for the sqlc configuration that generates the
// package in dir, in dir and the directories above it (up to the module's
// root, the directory holding go.mod).
func findSqlcSetup(dir string) sqlcSetup {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return sqlcSetup{}
	}
	for d := abs; ; d = filepath.Dir(d) {
		for _, name := range sqlcConfigNames {
			path := filepath.Join(d, name)
			if src, err := os.ReadFile(path); err == nil {
				if s, ok := readSqlcSetup(path, src, abs); ok {
					return s
				}
			}
		}
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil || filepath.Dir(d) == d {
			return sqlcSetup{}
		}
	}
}

// readSqlcSetup returns the entry of the configuration at path that
// generates the package in pkgDir.
func readSqlcSetup(path string, src []byte, pkgDir string) (sqlcSetup, bool) {
	var cfg sqlcConfig
	var err error
	if strings.HasSuffix(path, ".json") {
		err = json.Unmarshal(src, &cfg)
	} else {
		err = yaml.Unmarshal(src, &cfg)
	}
	if err != nil {
		return sqlcSetup{config: path, problem: err.Error()}, true
	}
	base := filepath.Dir(path)
	// files returns the files of paths, relative to the configuration,
	// with a directory's .sql files for the directory.
	files := func(paths []string) []string {
		var out []string
		for _, p := range paths {
			p = filepath.Join(base, p)
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				found, _ := filepath.Glob(filepath.Join(p, "*.sql"))
				out = append(out, found...)
			} else {
				out = append(out, p)
			}
		}
		return out
	}
	match := func(engine, out string, schema, queries []string) (sqlcSetup, bool) {
		if out == "" || !sameFile(filepath.Join(base, out), pkgDir) {
			return sqlcSetup{}, false
		}
		s := sqlcSetup{config: path, engine: sqlcquery.Engine(engine), schema: files(schema), queries: files(queries)}
		if s.engine == "" {
			s.engine = sqlcquery.PostgreSQL // sqlc's default
		}
		return s, true
	}
	for _, e := range cfg.SQL {
		if s, ok := match(e.Engine, e.Gen.Go.Out, e.Schema, e.Queries); ok {
			return s, true
		}
	}
	for _, p := range cfg.Packages {
		if s, ok := match(p.Engine, p.Path, p.Schema, p.Queries); ok {
			return s, true
		}
	}
	return sqlcSetup{}, false
}
