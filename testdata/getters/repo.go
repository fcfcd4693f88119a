// Package getters keys and names namespaces by getters, as DDD entities
// keep their fields unexported.
package getters

import "context"

// Training is an entity: its fields are unexported.
type Training struct {
	uuid  string
	owner Owner
}

// NewTraining returns a training.
func NewTraining(uuid string, owner Owner) *Training { return &Training{uuid: uuid, owner: owner} }

// UUID returns the training's UUID.
func (t *Training) UUID() string { return t.uuid }

// Owner returns who owns the training.
func (t *Training) Owner() Owner { return t.owner }

// Owner owns trainings.
type Owner struct {
	ID int64
}

// Hour is a value object with a getter of a value receiver.
type Hour struct{ hour int }

// NewHour returns an hour.
func NewHour(h int) Hour { return Hour{hour: h} }

// Hour returns the hour.
func (h Hour) Hour() int { return h.hour }

// Entity is anything with an ID.
type Entity interface {
	ID() string
}

// View is what the read side returns.
type View struct {
	UUID  string `json:"uuid"`
	Owner int64  `json:"owner"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Trainings reads and writes trainings.
type Trainings interface {
	//cache:expire=60 namespace=training:{uuid}
	Get(ctx context.Context, uuid string) (View, error)
	//cache:expire=60 namespace=training:{t.UUID()} key=t.Owner().ID
	Reload(ctx context.Context, t *Training) (View, error)
	//cache:expire=60 namespace=hours key=h.Hour()
	Hour(ctx context.Context, h Hour) (int, error)
	//cache:invalidate namespace=training:{t.UUID()}
	Update(ctx context.Context, t *Training) error
	//cache:invalidate namespace=training:{e.ID()}
	Touch(ctx context.Context, e Entity) error
	//cache:invalidate namespace=training:{v.UUID()}
	Replace(ctx context.Context, v Training) error
}
