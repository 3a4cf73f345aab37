"""Lays out a population for the sightings benchmark from folders of people (faces-dev, lfw-devtrain):
each person with at least two photos gets a synthetic resident ID (GB 11643 check digit) and is
enrolled with their first photo; their other photos are the camera's stills of them. Writes
units.csv and persons.csv to import, batch.csv (person_id,photo_path) for `fastcert enroll --batch`,
and stills.tsv (person_id, photo_path, the people folder): every later photo of every person."""
import argparse
import os

from enroll_data import resident_id

PHOTO = (".jpg", ".jpeg", ".png")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", action="append", required=True, help="a folder of people (one sub-folder each); repeatable")
    parser.add_argument("--persons", type=int, default=300, help="people enrolled at most")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    people = []
    for root in args.root:
        for name in sorted(os.listdir(root)):
            folder = os.path.join(root, name)
            if not os.path.isdir(folder):
                continue
            photos = sorted(os.path.join(folder, p) for p in os.listdir(folder) if p.lower().endswith(PHOTO))
            if len(photos) >= 2:
                people.append((f"{os.path.basename(root)}/{name}", photos))
    people = people[: args.persons]
    with open(os.path.join(args.out, "units.csv"), "w") as f:
        f.write("code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n"
                "370202001,Badaguan Street,street,370202\n370202001001,Taiping Community,community,370202001\n")
    with open(os.path.join(args.out, "persons.csv"), "w") as persons, \
            open(os.path.join(args.out, "batch.csv"), "w") as batch, \
            open(os.path.join(args.out, "stills.tsv"), "w") as stills:
        persons.write("resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n")
        batch.write("person_id,photo_path\n")
        for n, (name, photos) in enumerate(people):
            rid = resident_id(n)
            persons.write(f"{rid},P{n},1940-03-{1 + n // 900:02d},370202001001,3,3000,,,0,0\n")
            batch.write(f"{rid},{photos[0]}\n")
            for photo in photos[1:]:
                stills.write(f"{rid}\t{photo}\t{name}\n")
    print(f"{len(people)} persons, {sum(len(p) - 1 for _, p in people)} stills of them")


if __name__ == "__main__":
    main()
